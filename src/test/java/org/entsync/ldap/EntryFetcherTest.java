package org.entsync.ldap;

import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.SearchResultEntry;
import org.entsync.config.Settings;
import org.entsync.config.SyncConfig;
import org.entsync.generator.GeneratorOptions;
import org.entsync.testsupport.PagedSearch;
import org.entsync.testsupport.Slapd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole entries read back by DN, on a real slapd with the SDET schema, as a differential run reads changed people. */
class EntryFetcherTest {

    @Test
    void readsExactlyTheEntriesAskedForByDn(@TempDir Path work) throws Exception {
        GeneratorOptions options = new GeneratorOptions(3, 200, 5L, GeneratorOptions.DEFAULT_SUFFIX);
        try (Slapd slapd = Slapd.startGenerated(work, options)) {
            String people = "ou=people," + slapd.suffix();
            List<SearchResultEntry> all;
            try (LDAPConnection c = slapd.connect()) {
                all = PagedSearch.search(c, people, "(objectClass=ENTPerson)", 100, "*", "entryCSN").entries();
                // a namesake of the first person further down the subtree: same RDN, another DN
                c.add(new Entry("ou=archive," + people, new com.unboundid.ldap.sdk.Attribute("objectClass", "top", "organizationalUnit"),
                        new com.unboundid.ldap.sdk.Attribute("ou", "archive")));
                SearchResultEntry first = all.get(0);
                Entry namesake = new Entry(first.getRDN() + ",ou=archive," + people, first.getAttributes());
                namesake.removeAttribute("entryCSN");
                c.add(namesake);
            }
            Map<String, String> m = new HashMap<>();
            m.put("entsync.ldap.url", slapd.url());
            m.put("entsync.ldap.bindDn", slapd.bindDn());
            m.put("entsync.ldap.password", slapd.password());
            SyncConfig.Ldap cfg = SyncConfig.from(Settings.defaultsWith(m)).ldap();
            try (EntryFetcher fetcher = new EntryFetcher(new LdapConnector(cfg, cfg.urls()),
                    SourceQuery.of("people", people, false, "(objectClass=ENTPerson)"), new String[]{"uid", "sn", "entryCSN"}, 0)) {
                assertTrue(fetcher.returnsAttribute("entryCSN"), "slapd keeps an entryCSN on every entry");
                assertFalse(fetcher.returnsAttribute("description"), "an attribute no person has");

                // more than one search's worth (200 DNs each), a DN that is gone, one asked in another case
                List<String> asked = new ArrayList<>();
                for (int i = 0; i < 450; i++) asked.add(all.get(i).getDN());
                asked.set(3, asked.get(3).toUpperCase());
                asked.add("uid=nobody," + people);
                List<SearchResultEntry> got = fetcher.fetch(asked);
                assertEquals(450, got.size());
                Set<String> dns = got.stream().map(e -> e.getDN().toLowerCase()).collect(Collectors.toSet());
                assertEquals(asked.subList(0, 450).stream().map(String::toLowerCase).collect(Collectors.toSet()), dns,
                        "the namesake under ou=archive is not taken for the first person");
                SearchResultEntry one = got.stream().filter(e -> e.getDN().equalsIgnoreCase(all.get(7).getDN())).findFirst().orElseThrow();
                assertEquals(all.get(7).getAttributeValue("entryCSN"), one.getAttributeValue("entryCSN"));
                assertEquals(all.get(7).getAttributeValue("sn"), one.getAttributeValue("sn"));
                assertFalse(one.hasAttribute("givenName"), "only the attributes asked for");
            }
        }
    }
}
