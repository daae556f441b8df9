package org.entsync.generator;

/**
 * Options of the {@link SdetGenerator}.
 *
 * @param schools          number of établissements (&ge; 1)
 * @param peoplePerSchool  people generated per établissement (&ge; 1): ~80 % students, ~10 % teachers,
 *                         ~4 % staff (at least the director), the rest parents
 * @param seed             everything is a pure function of the options: same options, same LDIF bytes
 * @param suffix           directory suffix, {@link #DEFAULT_SUFFIX} when null or blank
 */
public record GeneratorOptions(int schools, int peoplePerSchool, long seed, String suffix) {

    public static final String DEFAULT_SUFFIX = "dc=ent-demo,dc=fr";

    /** 36^5: the uid space ({@code f17} + 5 base-36 characters). */
    public static final long MAX_PEOPLE = 60_466_176L;

    public GeneratorOptions {
        if (suffix == null || suffix.isBlank()) suffix = DEFAULT_SUFFIX;
        if (schools < 1 || schools > 1_000_000) throw new IllegalArgumentException("schools must be in [1, 1000000]");
        if (peoplePerSchool < 1) throw new IllegalArgumentException("peoplePerSchool must be >= 1");
        if ((long) schools * peoplePerSchool > MAX_PEOPLE) {
            throw new IllegalArgumentException("at most " + MAX_PEOPLE + " people in total");
        }
    }

    public GeneratorOptions(int schools, int peoplePerSchool, long seed) {
        this(schools, peoplePerSchool, seed, DEFAULT_SUFFIX);
    }
}
