package io.permafrost.verify;

import io.permafrost.manifest.ManifestStore;
import io.permafrost.manifest.WindowManifest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** POSTs a JSON notice when a window fails. A failed POST is logged, never fatal. */
public final class Notifier {

    private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);

    private final String url;

    public Notifier(String url) {
        this.url = url;
    }

    public void windowFailed(WindowManifest m, String manifestPath) {
        if (url == null) {
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("event", "permafrost.window.failed");
        body.put("table", m.table());
        body.put("window", m.window());
        body.put("state", m.state());
        body.put("reason", m.failure() == null ? null : m.failure().reason());
        body.put("exampleKeys", m.failure() == null ? null : m.failure().exampleKeys());
        body.put("manifest", manifestPath);
        try {
            HttpRequest request =
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(10))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(ManifestStore.toJson(body)))
                            .build();
            HttpResponse<Void> r =
                    HttpClient.newBuilder()
                            .connectTimeout(Duration.ofSeconds(5))
                            .build()
                            .send(request, HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() >= 300) {
                LOG.warn(
                        "Webhook {} answered {} for failed window {} of {}",
                        url,
                        r.statusCode(),
                        m.window(),
                        m.table());
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warn(
                    "Webhook {} could not be notified of failed window {} of {}: {}",
                    url,
                    m.window(),
                    m.table(),
                    e.toString());
        }
    }
}
