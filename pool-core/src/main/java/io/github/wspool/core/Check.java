package io.github.wspool.core;

import io.github.wspool.core.spi.HttpHeaders;
import java.time.Duration;

/** The builder's argument checks: each failure names the setting and the value given. */
final class Check {

    private Check() {
    }

    static Duration positive(String setting, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(setting + " must be positive, but was " + value);
        }
        return value;
    }

    static Duration nonNegative(String setting, Duration value) {
        if (value == null || value.isNegative()) {
            throw new IllegalArgumentException(setting + " must be zero or positive, but was " + value);
        }
        return value;
    }

    static void requireValidHeader(String name, String value) {
        String problem = HttpHeaders.problem(name, value);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    static String quote(String s) {
        return s == null ? "null" : "'" + s + "'";
    }
}
