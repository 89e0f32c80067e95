package io.github.wspool.core;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.simple.SimpleLogger;
import org.slf4j.simple.SimpleLoggerFactory;
import org.slf4j.spi.LocationAwareLogger;

/**
 * While open, everything the pool's own loggers ({@code io.github.wspool.*}, or the given ones) write, at every level
 * down to TRACE, is captured from standard error, where slf4j-simple (the tests' binding) writes.
 *
 * <p>slf4j-simple fixes a logger's level when it creates the logger, from the system properties and
 * {@code simplelogger.properties} (WARN by default here, INFO for the pool). Tests share one JVM, so most of the pool's
 * loggers exist already, held in their classes' static fields: their level field is set to TRACE (and put back on
 * {@link #close()}); loggers created meanwhile get TRACE from the system property, which slf4j-simple reads at that
 * moment. Other loggers are left as they are.
 */
final class AllLevelsLogCapture implements AutoCloseable {

    private static final String LEVEL_PROPERTY_PREFIX = "org.slf4j.simpleLogger.log.";

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final PrintStream originalErr = System.err;
    private final Map<String, String> originalProperties = new LinkedHashMap<>();
    private final Map<SimpleLogger, Integer> originalLevels = new LinkedHashMap<>();

    /** Captures the pool's own loggers, {@code io.github.wspool.*}. */
    AllLevelsLogCapture() {
        this("io.github.wspool");
    }

    /**
     * Captures the loggers under the given names.
     *
     * @param loggerPrefixes logger names (packages), each with what is below it
     */
    AllLevelsLogCapture(String... loggerPrefixes) {
        try {
            for (String prefix : loggerPrefixes) {
                originalProperties.put(prefix, System.setProperty(LEVEL_PROPERTY_PREFIX + prefix, "trace"));
            }
            for (Logger logger : existingLoggers().values()) {
                if (logger instanceof SimpleLogger simple && under(logger.getName(), loggerPrefixes)) {
                    originalLevels.put(simple, level(simple));
                    setLevel(simple, LocationAwareLogger.TRACE_INT);
                }
            }
        } catch (RuntimeException e) {
            restoreLevels();
            restoreProperties();
            throw e;
        }
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    private static boolean under(String name, String[] prefixes) {
        for (String prefix : prefixes) {
            if (name.equals(prefix) || name.startsWith(prefix + ".")) {
                return true;
            }
        }
        return false;
    }

    /** What was logged so far. */
    String text() {
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        System.setErr(originalErr);
        restoreLevels();
        restoreProperties();
    }

    private void restoreLevels() {
        originalLevels.forEach(AllLevelsLogCapture::setLevel);
    }

    private void restoreProperties() {
        originalProperties.forEach((prefix, original) -> {
            if (original == null) {
                System.clearProperty(LEVEL_PROPERTY_PREFIX + prefix);
            } else {
                System.setProperty(LEVEL_PROPERTY_PREFIX + prefix, original);
            }
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Logger> existingLoggers() {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof SimpleLoggerFactory)) {
            throw new IllegalStateException("the tests log through slf4j-simple, not " + factory.getClass().getName());
        }
        try {
            Field loggers = SimpleLoggerFactory.class.getDeclaredField("loggerMap");
            loggers.setAccessible(true);
            return Map.copyOf((Map<String, Logger>) loggers.get(factory));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("slf4j-simple changed: no logger map to raise the levels in", e);
        }
    }

    private static Field levelField() throws NoSuchFieldException {
        Field level = SimpleLogger.class.getDeclaredField("currentLogLevel");
        level.setAccessible(true);
        return level;
    }

    private static int level(SimpleLogger logger) {
        try {
            return levelField().getInt(logger);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("slf4j-simple changed: no level field", e);
        }
    }

    private static void setLevel(SimpleLogger logger, int level) {
        try {
            levelField().setInt(logger, level);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("slf4j-simple changed: no level field", e);
        }
    }
}
