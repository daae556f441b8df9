package org.entsync.mapping;

import java.util.List;
import java.util.Locale;

/** The test every mapping applies to a person's national profiles (ELV, ENS, DIR...). */
final class Profiles {
    private Profiles() {
    }

    /** Whether one of the person's profiles (any case) is among {@code wanted} (upper case). A loop: it runs for each person and kind. */
    static boolean any(List<String> profiles, List<String> wanted) {
        for (String p : profiles) {
            if (wanted.contains(p.toUpperCase(Locale.ROOT))) return true;
        }
        return false;
    }
}
