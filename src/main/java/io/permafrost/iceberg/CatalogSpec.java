package io.permafrost.iceberg;

import io.permafrost.config.PermafrostConfig;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;

/** A serializable recipe for the Iceberg catalog, so operators can open it where they run. */
public record CatalogSpec(String type, String name, Map<String, String> properties)
        implements Serializable {

    public static CatalogSpec of(PermafrostConfig.Catalog c) {
        return new CatalogSpec(c.type(), c.name(), c.properties());
    }

    @Override
    public String toString() {
        return "CatalogSpec[type="
                + type
                + ", name="
                + name
                + ", properties="
                + PermafrostConfig.masked(properties)
                + "]";
    }

    public Catalog open() {
        Map<String, String> props = new HashMap<>(properties);
        props.put(CatalogUtil.ICEBERG_CATALOG_TYPE, type);
        return CatalogUtil.buildIcebergCatalog(name, props, new Configuration());
    }
}
