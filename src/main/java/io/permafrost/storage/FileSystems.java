package io.permafrost.storage;

import io.permafrost.config.ConfigException;
import io.permafrost.config.PermafrostConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.client.program.StreamContextEnvironment;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.FileSystemFactory;
import org.apache.flink.core.plugin.DefaultPluginManager;
import org.apache.flink.core.plugin.DirectoryBasedPluginFinder;
import org.apache.flink.core.plugin.PluginDescriptor;
import org.apache.flink.core.plugin.PluginManager;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets up Flink's file systems for the embedded CLI, once, before anything touches storage: the
 * file system plugins (Flink's S3 file system, {@code flink-s3-fs-hadoop}, must be a plugin: it
 * bundles Hadoop, the AWS SDK v1 and Jackson unrelocated) and the {@code storage.s3} settings.
 * Flink's own launchers do this themselves; an embedded MiniCluster does not.
 *
 * <p>On a Flink cluster the cluster's own set-up applies instead: its {@code plugins/} directory
 * and the {@code s3.*} keys of its {@code config.yaml} (storage.s3 then still configures Iceberg's
 * S3FileIO).
 *
 * <p>Plugins come from {@code $FLINK_PLUGINS_DIR}, else from {@code <permafrost
 * home>/target/plugins} (filled by {@code mvn package}), one sub-directory per plugin, as in a
 * Flink distribution.
 */
public final class FileSystems {

    public static final String PLUGINS_ENV = "FLINK_PLUGINS_DIR";

    private static final Logger LOG = LoggerFactory.getLogger(FileSystems.class);

    private static List<Object> initializedWith;

    private FileSystems() {}

    /**
     * Initializes Flink's file systems for this configuration (again only if it differs). Inside a
     * Flink process (application mode, {@code flink run}) it does nothing: Flink has set them up
     * from its own plugins/ directory and config.yaml, and resetting them would undo that.
     */
    public static synchronized void initialize(PermafrostConfig config) {
        if (StreamExecutionEnvironment.getExecutionEnvironment()
                instanceof StreamContextEnvironment) {
            if (initializedWith == null) {
                LOG.info(
                        "Flink file systems: as set up by the Flink cluster (plugins/, config.yaml)");
                initializedWith = List.of();
            }
            return;
        }
        String env = System.getenv(PLUGINS_ENV);
        if (env != null && !env.isBlank()) {
            initialize(config, Path.of(env), PLUGINS_ENV + "=" + env);
        } else {
            Path dir = defaultPluginsDir();
            initialize(
                    config,
                    dir,
                    "the default plugins directory " + dir + " (" + PLUGINS_ENV + " is not set)");
        }
    }

    static synchronized void initialize(PermafrostConfig config, Path pluginsDir, String origin) {
        Configuration conf = flinkConfiguration(config.storage());
        List<Object> key = List.of(pluginsDir.toAbsolutePath().toString(), conf.toMap());
        if (key.equals(initializedWith)) {
            return;
        }
        Collection<PluginDescriptor> plugins = findPlugins(pluginsDir);
        PluginManager pluginManager =
                new DefaultPluginManager(
                        plugins, CoreOptions.getPluginParentFirstLoaderPatterns(conf));
        Map<String, String> s3Locations = s3Locations(config);
        if (!s3Locations.isEmpty()) {
            List<String> schemes = schemes(pluginManager);
            for (Map.Entry<String, String> e : s3Locations.entrySet()) {
                String scheme = scheme(e.getValue());
                if (!schemes.contains(scheme)) {
                    throw new ConfigException(
                            e.getKey(),
                            e.getValue()
                                    + " is on S3, but no Flink file system plugin for '"
                                    + scheme
                                    + "://' was found in "
                                    + origin
                                    + (plugins.isEmpty()
                                            ? ""
                                            : " (plugins there: "
                                                    + plugins.stream()
                                                            .map(PluginDescriptor::getPluginId)
                                                            .toList()
                                                    + ")"),
                            "run 'mvn package' in the Permafrost directory, which copies"
                                    + " flink-s3-fs-hadoop into target/plugins/s3-fs-hadoop/, or"
                                    + " set "
                                    + PLUGINS_ENV
                                    + " to a directory holding"
                                    + " s3-fs-hadoop/flink-s3-fs-hadoop-1.20.1.jar (a Flink"
                                    + " distribution has it in opt/)");
                }
            }
        }
        if (!s3Locations.isEmpty()
                && System.getProperty("aws.java.v1.disableDeprecationAnnouncement") == null) {
            // flink-s3-fs-hadoop 1.20 is built on the AWS SDK v1, which prints a many-line notice
            System.setProperty("aws.java.v1.disableDeprecationAnnouncement", "true");
        }
        FileSystem.initialize(conf, pluginManager);
        initializedWith = key;
        PermafrostConfig.S3 s3 = config.storage().s3();
        LOG.info(
                "Flink file systems: plugins {} from {}{}",
                plugins.stream().map(PluginDescriptor::getPluginId).toList(),
                pluginsDir,
                s3Locations.isEmpty() ? "" : "; S3 for " + s3Locations.values() + " via " + s3);
    }

    /** The Flink configuration the file systems are created with (S3 keys only). */
    static Configuration flinkConfiguration(PermafrostConfig.Storage storage) {
        Configuration conf = new Configuration();
        storage.s3().flinkProperties().forEach(conf::setString);
        return conf;
    }

    /** Config key → location, for the locations that Flink must reach on S3. */
    static Map<String, String> s3Locations(PermafrostConfig config) {
        Map<String, String> out = new LinkedHashMap<>();
        if (PermafrostConfig.Storage.isS3(config.warehouse())) {
            out.put("warehouse", config.warehouse());
        }
        if (PermafrostConfig.Storage.isS3(config.job().checkpointDir())) {
            out.put("job.checkpoint_dir", config.job().checkpointDir());
        }
        return out;
    }

    /** {@code <permafrost home>/target/plugins}: beside the jar or classes this class came from. */
    static Path defaultPluginsDir() {
        String home = System.getProperty("permafrost.home");
        if (home != null && !home.isBlank()) {
            return Path.of(home, "target", "plugins");
        }
        try {
            Path code =
                    Path.of(
                            FileSystems.class
                                    .getProtectionDomain()
                                    .getCodeSource()
                                    .getLocation()
                                    .toURI());
            // target/permafrost-<version>.jar or target/classes
            return code.toAbsolutePath().getParent().resolve("plugins");
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("target", "plugins").toAbsolutePath();
        }
    }

    private static Collection<PluginDescriptor> findPlugins(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try {
            return new DirectoryBasedPluginFinder(dir).findPlugins();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the plugins directory " + dir, e);
        }
    }

    private static List<String> schemes(PluginManager pluginManager) {
        List<String> out = new ArrayList<>();
        Iterator<FileSystemFactory> it = pluginManager.load(FileSystemFactory.class);
        while (it.hasNext()) {
            out.add(it.next().getScheme());
        }
        return out;
    }

    private static String scheme(String location) {
        return location.substring(0, location.indexOf(':')).toLowerCase(Locale.ROOT);
    }
}
