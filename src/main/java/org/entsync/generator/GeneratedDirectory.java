package org.entsync.generator;

import java.util.List;
import java.util.Map;

/**
 * Summary of what {@link SdetGenerator#generate} emitted (no person entries are kept).
 *
 * @param suffix             directory suffix
 * @param schools            the établissements, in generation order
 * @param profileCounts      people per national profile trigram (ELV, ENS, DOC, DIR, EVS, ETA, TUT)
 * @param people             number of person entries
 * @param groups             number of group entries
 * @param dualSchoolTeachers teachers that also teach in a second établissement
 * @param entries            entries sent to the sink (structures + people + groups; not the base entries)
 */
public record GeneratedDirectory(String suffix, List<School> schools, Map<String, Integer> profileCounts,
                                 long people, long groups, long dualSchoolTeachers, long entries) {

    public GeneratedDirectory {
        schools = List.copyOf(schools);
        profileCounts = Map.copyOf(profileCounts);
    }

    /** Count for one profile trigram (0 if none). */
    public int count(String profile) {
        return profileCounts.getOrDefault(profile, 0);
    }

    /**
     * One établissement.
     *
     * @param dn          {@code ENTStructureSIREN=<siren>,ou=structures,<suffix>}
     * @param name        short name, e.g. {@code VICTOR HUGO}
     * @param nomCourant  {@code ou} / {@code ENTStructureNomCourant}, e.g. {@code CLG-VICTOR HUGO-ac-DEMO}
     * @param type        {@code COLLEGE} or {@code LYCEE D ENSEIGNEMENT GENERAL}
     * @param classes     class codes, e.g. {@code 6A}, {@code 1ERE S1}, {@code TS2}
     */
    public record School(int index, String dn, String uai, String siren, String name, String nomCourant,
                         String type, int students, int teachers, int staff, int parents, List<String> classes) {
        public School {
            classes = List.copyOf(classes);
        }
    }
}
