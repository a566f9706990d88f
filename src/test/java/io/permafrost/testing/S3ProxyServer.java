package io.permafrost.testing;

import java.io.Closeable;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An S3 server in this JVM: S3Proxy (AWS V2/V4 signatures, in-memory {@code transient-nio2} store)
 * loaded from its jar-with-dependencies in a class loader of its own, so that its Jackson 3,
 * jclouds, Guice and Jakarta dependencies never meet the project's classpath. Only SLF4J is shared,
 * so its log goes where the test's goes.
 */
public final class S3ProxyServer implements Closeable {

    private final URLClassLoader loader;
    private final Object context;
    private final Object proxy;
    private final int port;

    private S3ProxyServer(URLClassLoader loader, Object context, Object proxy, int port) {
        this.loader = loader;
        this.context = context;
        this.proxy = proxy;
        this.port = port;
    }

    /** Starts S3Proxy on a free loopback port with these credentials and one empty bucket. */
    public static S3ProxyServer start(String accessKey, String secretKey, String bucket)
            throws Exception {
        Path jar = Path.of(System.getProperty("permafrost.test.s3proxy.jar", "missing"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    "S3Proxy jar not found at "
                            + jar
                            + ": run the test through 'mvn verify' (pre-integration-test copies it)");
        }
        ClassLoader app = S3ProxyServer.class.getClassLoader();
        URLClassLoader loader =
                new URLClassLoader(
                        "s3proxy",
                        new URL[] {jar.toUri().toURL()},
                        ClassLoader.getPlatformClassLoader()) {
                    @Override
                    protected Class<?> loadClass(String name, boolean resolve)
                            throws ClassNotFoundException {
                        if (name.startsWith("org.slf4j.")) {
                            return app.loadClass(name);
                        }
                        return super.loadClass(name, resolve);
                    }
                };
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader); // jclouds finds its providers through it
        try {
            Class<?> contextBuilder = loader.loadClass("org.jclouds.ContextBuilder");
            Class<?> blobStoreContext = loader.loadClass("org.jclouds.blobstore.BlobStoreContext");
            Class<?> blobStoreType = loader.loadClass("org.jclouds.blobstore.BlobStore");
            Object builder =
                    contextBuilder
                            .getMethod("newBuilder", String.class)
                            .invoke(null, "transient-nio2");
            builder =
                    contextBuilder
                            .getMethod("credentials", String.class, String.class)
                            .invoke(builder, accessKey, secretKey);
            Object context =
                    contextBuilder
                            .getMethod("build", Class.class)
                            .invoke(builder, blobStoreContext);
            Object blobStore = blobStoreContext.getMethod("getBlobStore").invoke(context);
            Class<?> location = loader.loadClass("org.jclouds.domain.Location");
            blobStoreType
                    .getMethod("createContainerInLocation", location, String.class)
                    .invoke(blobStore, null, bucket);

            Class<?> s3Proxy = loader.loadClass("org.gaul.s3proxy.S3Proxy");
            Class<?> proxyBuilderType = loader.loadClass("org.gaul.s3proxy.S3Proxy$Builder");
            @SuppressWarnings({"unchecked", "rawtypes"})
            Object authType =
                    Enum.valueOf(
                            (Class) loader.loadClass("org.gaul.s3proxy.AuthenticationType"),
                            "AWS_V2_OR_V4");
            Object proxyBuilder = s3Proxy.getMethod("builder").invoke(null);
            proxyBuilderType.getMethod("blobStore", blobStoreType).invoke(proxyBuilder, blobStore);
            proxyBuilderType
                    .getMethod("endpoint", URI.class)
                    .invoke(proxyBuilder, URI.create("http://127.0.0.1:0"));
            proxyBuilderType
                    .getMethod("awsAuthentication", authType.getClass(), String.class, String.class)
                    .invoke(proxyBuilder, authType, accessKey, secretKey);
            Object proxy = proxyBuilderType.getMethod("build").invoke(proxyBuilder);
            s3Proxy.getMethod("start").invoke(proxy);
            Method state = s3Proxy.getMethod("getState");
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!"STARTED".equals(state.invoke(proxy))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "S3Proxy did not start: " + state.invoke(proxy));
                }
                Thread.sleep(20);
            }
            int port = (int) s3Proxy.getMethod("getPort").invoke(proxy);
            return new S3ProxyServer(loader, context, proxy, port);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() throws IOException {
        try {
            proxy.getClass().getMethod("stop").invoke(proxy);
            ((Closeable) context).close();
        } catch (ReflectiveOperationException e) {
            throw new IOException(e);
        } finally {
            loader.close();
        }
    }
}
