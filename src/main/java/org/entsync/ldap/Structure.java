package org.entsync.ldap;

import java.util.List;

/** An establishment (or other structure) of the directory, as the lookups need it. */
public record Structure(String dn, String uai, String siren, String name, String type, List<String> jointures) {

    /** The value of a lookup field by name; null when the structure has none. */
    public String field(String field) {
        return switch (field) {
            case "dn" -> dn;
            case "uai" -> uai;
            case "siren" -> siren;
            case "name" -> name;
            case "type" -> type;
            case "jointure" -> jointures.isEmpty() ? null : jointures.get(0);
            default -> throw new IllegalArgumentException("unknown structure field " + field);
        };
    }

    public static final List<String> FIELDS = List.of("dn", "uai", "siren", "name", "type", "jointure");
}
