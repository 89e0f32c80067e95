package io.github.wspool.strategy;

import io.github.wspool.EndpointView;

/**
 * Power of two choices (Mitzenmacher; Finagle's and HAProxy's {@code random(2)}): two distinct candidates drawn at
 * random, the one with fewer active leases per unit of weight wins, a tie goes to either at random. Scales to large
 * endpoint sets (O(1) per pick) and, unlike a strict minimum, does not herd every caller onto one freshly added or
 * recovered endpoint.
 */
final class PowerOfTwoChoicesStrategy extends TwoRandomChoices {

    @Override
    int compare(EndpointView a, EndpointView b) {
        return Loads.compareLeasesPerWeight(a, b);
    }

    @Override
    public String toString() {
        return "powerOfTwoChoices";
    }
}
