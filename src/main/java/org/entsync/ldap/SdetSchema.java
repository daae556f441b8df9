package org.entsync.ldap;

import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.schema.AttributeTypeDefinition;
import com.unboundid.ldap.sdk.schema.ObjectClassDefinition;
import com.unboundid.ldap.sdk.schema.Schema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the OpenLDAP (slapd.conf format) SDET/ESCO schema files into an UnboundID {@link Schema}.
 *
 * <p>Handles what the UnboundID parser does not: {@code objectIdentifier} macros (including macros
 * defined from other macros, {@code PREFIX:suffix} forms and {@code SYNTAX MACRO{len}}), the
 * {@code attributetype}/{@code objectclass} keywords, definitions spread over several lines, comments,
 * and the stray trailing {@code )} after the {@code ENTPersonProfils} definition (anything after the
 * parenthesis that closes a definition is dropped and reported as a warning).
 */
public final class SdetSchema {

    /** The schema files, in dependency order (macros first). */
    public static final List<String> FILES = List.of(
            "11-esco-const.schema",
            "13-esco-personne.schema",
            "16-esco-addons.schema",
            "17-esco-structure.schema",
            "21-esco-groupe.schema",
            "31-esco-mail.schema",
            "51-esco-application.schema",
            "05-ldappc.schema");

    /** Classpath folder the pom maps {@code schema/sdet/} to. */
    public static final String CLASSPATH_FOLDER = "sdet-schema";

    private static final Pattern KEYWORD = Pattern.compile(
            "^(objectidentifier|attributetype|attributetypes|objectclass|objectclasses)\\b\\s*(.*)$",
            Pattern.CASE_INSENSITIVE);

    private SdetSchema() {
    }

    /** Result of parsing the slapd files: RFC 4512 definitions with macros expanded. */
    public record Parsed(List<String> attributeTypes, List<String> objectClasses, Map<String, String> macros,
                         List<String> warnings) {
        /** An entry carrying the definitions as {@code attributeTypes}/{@code objectClasses} values. */
        public Entry toSchemaEntry() {
            Entry e = new Entry("cn=sdet-schema");
            e.addAttribute("objectClass", "top", "ldapSubentry", "subschema");
            e.addAttribute("cn", "sdet-schema");
            if (!attributeTypes.isEmpty()) e.addAttribute(Schema.ATTR_ATTRIBUTE_TYPE, attributeTypes);
            if (!objectClasses.isEmpty()) e.addAttribute(Schema.ATTR_OBJECT_CLASS, objectClasses);
            return e;
        }
    }

    /** Loads {@link #FILES} (those present) from a directory, e.g. {@code schema/sdet}, merged with the standard schema. */
    public static Schema fromDirectory(Path dir) throws LDAPException {
        return merge(parse(readDirectory(dir)));
    }

    /** Loads {@link #FILES} from the classpath folder {@code sdet-schema/}, merged with the standard schema. */
    public static Schema fromClasspath() throws LDAPException {
        return fromClasspath(CLASSPATH_FOLDER);
    }

    /** Loads {@link #FILES} from a classpath folder, merged with the standard schema. */
    public static Schema fromClasspath(String folder) throws LDAPException {
        return merge(parse(readClasspath(folder)));
    }

    /** Reads the files of {@link #FILES} that exist in {@code dir}, keyed by file name, in dependency order. */
    public static Map<String, String> readDirectory(Path dir) {
        Map<String, String> files = new LinkedHashMap<>();
        for (String name : FILES) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                try {
                    files.put(name, Files.readString(p, StandardCharsets.ISO_8859_1));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        if (files.isEmpty()) throw new IllegalArgumentException("no SDET schema file found in " + dir.toAbsolutePath());
        return files;
    }

    /** Reads the files of {@link #FILES} found under a classpath folder. */
    public static Map<String, String> readClasspath(String folder) {
        Map<String, String> files = new LinkedHashMap<>();
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        if (cl == null) cl = SdetSchema.class.getClassLoader();
        for (String name : FILES) {
            try (InputStream in = cl.getResourceAsStream(folder + "/" + name)) {
                if (in != null) files.put(name, new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (files.isEmpty()) throw new IllegalArgumentException("no SDET schema file found on the classpath under " + folder + "/");
        return files;
    }

    /** The SDET definitions merged over {@link Schema#getDefaultStandardSchema()}. */
    public static Schema merge(Parsed parsed) throws LDAPException {
        Schema sdet = new Schema(parsed.toSchemaEntry());
        return Schema.mergeSchemas(Schema.getDefaultStandardSchema(), sdet);
    }

    /**
     * Parses slapd schema files (file name → content, processed in iteration order so that macros
     * defined in an earlier file are visible in later ones). Every definition is validated with the
     * UnboundID parser; an unparsable one is dropped and reported in {@link Parsed#warnings()}.
     */
    public static Parsed parse(Map<String, String> files) {
        Map<String, String> macros = new LinkedHashMap<>();
        List<String> ats = new ArrayList<>();
        List<String> ocs = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (Map.Entry<String, String> f : files.entrySet()) {
            for (Statement st : statements(f.getKey(), f.getValue())) {
                String kw = st.keyword.toLowerCase(Locale.ROOT);
                if (kw.equals("objectidentifier")) {
                    String[] parts = st.body.trim().split("\\s+");
                    if (parts.length != 2) {
                        warnings.add(st.where + ": bad objectIdentifier: " + st.body.trim());
                        continue;
                    }
                    macros.put(parts[0], expandOid(parts[1], macros));
                    continue;
                }
                String def = balanced(st, warnings);
                if (def == null) continue;
                def = expandMacros(def, macros);
                try {
                    if (kw.startsWith("attributetype")) {
                        new AttributeTypeDefinition(def);
                        ats.add(def);
                    } else {
                        new ObjectClassDefinition(def);
                        ocs.add(def);
                    }
                } catch (LDAPException e) {
                    warnings.add(st.where + ": cannot parse " + kw + " (" + e.getMessage() + "): " + def);
                }
            }
        }
        return new Parsed(List.copyOf(ats), List.copyOf(ocs), Map.copyOf(macros), List.copyOf(warnings));
    }

    private record Statement(String where, String keyword, String body) {
    }

    /** Splits a slapd schema file into statements (continuation lines start with white space). */
    private static List<Statement> statements(String file, String text) {
        List<Statement> out = new ArrayList<>();
        String keyword = null;
        StringBuilder body = null;
        int startLine = 0;
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            String trimmed = line.strip();
            if (trimmed.startsWith("#")) continue;           // comments never end a statement
            if (trimmed.isEmpty()) {
                // slapd treats a blank line as the end of a statement, but keep going if parentheses are still open
                if (keyword != null && depth(body) <= 0) {
                    out.add(new Statement(file + ":" + startLine, keyword, body.toString()));
                    keyword = null;
                }
                continue;
            }
            boolean continuation = Character.isWhitespace(line.charAt(0)) || (keyword != null && depth(body) > 0);
            if (continuation && keyword != null) {
                body.append(' ').append(trimmed);
                continue;
            }
            if (keyword != null) out.add(new Statement(file + ":" + startLine, keyword, body.toString()));
            Matcher m = KEYWORD.matcher(trimmed);
            if (m.matches()) {
                keyword = m.group(1);
                body = new StringBuilder(m.group(2));
                startLine = i + 1;
            } else {
                keyword = null; // other slapd directives are ignored
            }
        }
        if (keyword != null) out.add(new Statement(file + ":" + startLine, keyword, body.toString()));
        return out;
    }

    /** Parenthesis depth of a definition so far (quoted strings ignored). */
    private static int depth(CharSequence s) {
        int d = 0;
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'') quoted = !quoted;
            else if (!quoted && c == '(') d++;
            else if (!quoted && c == ')') d--;
        }
        return d;
    }

    /** Keeps the text up to the parenthesis that closes the definition; reports anything left after it. */
    private static String balanced(Statement st, List<String> warnings) {
        String s = st.body.trim();
        if (!s.startsWith("(")) {
            warnings.add(st.where + ": definition does not start with '(': " + s);
            return null;
        }
        int d = 0;
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'') quoted = !quoted;
            else if (!quoted && c == '(') d++;
            else if (!quoted && c == ')' && --d == 0) {
                String rest = s.substring(i + 1).trim();
                if (!rest.isEmpty()) warnings.add(st.where + ": ignored text after the end of the definition: " + rest);
                return normaliseSpaces(s.substring(0, i + 1));
            }
        }
        warnings.add(st.where + ": unbalanced parentheses: " + s);
        return null;
    }

    /** Adds the spaces UnboundID wants around parentheses ({@code (1.2 ...}, {@code VALUE)}), outside quotes. */
    private static String normaliseSpaces(String def) {
        StringBuilder b = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < def.length(); i++) {
            char c = def.charAt(i);
            if (c == '\'') quoted = !quoted;
            if (!quoted && (c == '(' || c == ')')) b.append(' ').append(c).append(' ');
            else b.append(c);
        }
        return b.toString().replaceAll("\\s+(?=(?:[^']*'[^']*')*[^']*$)", " ").trim();
    }

    private static String expandOid(String token, Map<String, String> macros) {
        int colon = token.indexOf(':');
        if (colon > 0) {
            String base = macros.get(token.substring(0, colon));
            if (base != null) return base + "." + token.substring(colon + 1);
        } else if (macros.containsKey(token)) {
            return macros.get(token);
        }
        return token;
    }

    /** Replaces macro references (bare, {@code MACRO:n[.m]}, or followed by {@code {len}}) outside quoted strings. */
    static String expandMacros(String def, Map<String, String> macros) {
        if (macros.isEmpty()) return def;
        StringBuilder out = new StringBuilder();
        String[] pieces = def.split("'", -1);
        for (int p = 0; p < pieces.length; p++) {
            if (p > 0) out.append('\'');
            if (p % 2 == 1) { // inside quotes
                out.append(pieces[p]);
                continue;
            }
            Matcher m = Pattern.compile("(?<![\\w.-])([A-Za-z][\\w-]*)(?::([0-9][0-9.]*))?(?=[\\s(){]|$)").matcher(pieces[p]);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String base = macros.get(m.group(1));
                String rep = base == null ? m.group() : (m.group(2) == null ? base : base + "." + m.group(2));
                m.appendReplacement(sb, Matcher.quoteReplacement(rep));
            }
            m.appendTail(sb);
            out.append(sb);
        }
        return out.toString();
    }
}
