package org.entsync.farm;

import org.apache.camel.CamelContext;
import org.apache.camel.component.quartz.QuartzComponent;
import org.entsync.config.ConfigException;
import org.entsync.config.SecretValue;
import org.entsync.config.Settings;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * Quartz clustering: with {@code entsync.daemon.quartzJdbcUrl} the daemons share a JDBC job store (PostgreSQL);
 * every fire runs on exactly one node and the jobs of a node that stops checking in are recovered by the others.
 */
public final class QuartzStore {
    private QuartzStore() {
    }

    public static void configure(CamelContext camel, Settings s) {
        String url = s.get("entsync.daemon.quartzJdbcUrl");
        if (url.isEmpty()) return;
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new ConfigException("setting entsync.daemon.quartzJdbcUrl: the clustered job store needs PostgreSQL (jdbc:postgresql://...), got another database");
        }
        SecretValue password = s.secret("entsync.daemon.quartzPassword");
        String user = s.get("entsync.daemon.quartzUser");
        createTables(url, user, password);
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", "ent-sync");
        p.setProperty("org.quartz.scheduler.instanceId", "AUTO");
        p.setProperty("org.quartz.threadPool.threadCount", "4");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        p.setProperty("org.quartz.jobStore.dataSource", "entsync");
        p.setProperty("org.quartz.jobStore.tablePrefix", "qrtz_");
        p.setProperty("org.quartz.jobStore.isClustered", "true");
        p.setProperty("org.quartz.jobStore.clusterCheckinInterval", s.get("entsync.daemon.quartzCheckinMs"));
        p.setProperty("org.quartz.jobStore.misfireThreshold", "5000");
        p.setProperty("org.quartz.dataSource.entsync.provider", "hikaricp");
        p.setProperty("org.quartz.dataSource.entsync.driver", "org.postgresql.Driver");
        p.setProperty("org.quartz.dataSource.entsync.URL", url);
        p.setProperty("org.quartz.dataSource.entsync.user", user);
        p.setProperty("org.quartz.dataSource.entsync.password", password.reveal());
        p.setProperty("org.quartz.dataSource.entsync.maxConnections", "5");
        // set before the component starts: its scheduler is built from these properties when it starts
        QuartzComponent quartz = (QuartzComponent) camel.getComponent("quartz", true, false);
        quartz.setProperties(p);
        quartz.start();
        try { // the Camel context is already running, so the component's "context started" hook will not start it
            quartz.getScheduler().start();
        } catch (org.quartz.SchedulerException e) {
            throw new ConfigException("setting entsync.daemon.quartzJdbcUrl: cannot start the clustered scheduler (" + e.getMessage() + ")");
        }
    }

    /** Quartz's own tables, from the script shipped in the Quartz jar, when absent. */
    private static void createTables(String url, String user, SecretValue password) {
        try (Connection c = DriverManager.getConnection(url, user, password.reveal())) {
            try (ResultSet rs = c.getMetaData().getTables(null, null, "qrtz_locks", null)) {
                if (rs.next()) return;
            }
            String script;
            try (InputStream in = org.quartz.Scheduler.class.getResourceAsStream("/org/quartz/impl/jdbcjobstore/tables_postgres.sql")) {
                script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            try (Statement st = c.createStatement()) {
                for (String stmt : script.replaceAll("(?m)^--.*$", "").split(";")) {
                    String sql = stmt.strip();
                    if (sql.isEmpty() || sql.equalsIgnoreCase("commit")) continue;
                    if (sql.toUpperCase().startsWith("DROP TABLE")) continue;
                    st.execute(sql);
                }
            }
        } catch (SQLException | java.io.IOException e) {
            throw new ConfigException("setting entsync.daemon.quartzJdbcUrl: cannot prepare the Quartz job store (" + e.getMessage() + ")");
        }
    }
}
