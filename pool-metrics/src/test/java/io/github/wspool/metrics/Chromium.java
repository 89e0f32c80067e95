package io.github.wspool.metrics;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A headless Chromium driven through the DevTools protocol over the JDK's own WebSocket client: no Selenium, no
 * chromedriver, no extra dependency. Enough for a test to open a page, evaluate JavaScript in it and take a
 * screenshot. {@link #find()} is empty when no Chromium is installed (Debian: {@code apt-get install chromium}), so that
 * tests can skip.
 */
final class Chromium implements AutoCloseable {

    private static final List<String> CANDIDATES = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable");

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<Map<String, Object>>> pending = new ConcurrentHashMap<>();

    /** The browser binary: {@code $WSPOOL_CHROMIUM}, else the usual Debian and Google paths. */
    static Optional<Path> find() {
        String configured = System.getenv("WSPOOL_CHROMIUM");
        Stream<String> paths = configured == null || configured.isBlank() ? CANDIDATES.stream()
                : Stream.of(configured);
        return paths.map(Path::of).filter(Files::isExecutable).findFirst();
    }

    static Chromium launch(Path binary, int width, int height) throws Exception {
        Path profile = Files.createTempDirectory("wspool-chromium-");
        Process p = new ProcessBuilder(binary.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                "--user-data-dir=" + profile, "--window-size=" + width + "," + height, "about:blank")
                .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
        try {
            Path portFile = profile.resolve("DevToolsActivePort");
            try {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                        .until(() -> !p.isAlive() || Files.exists(portFile) && Files.readAllLines(portFile).size() >= 2);
            } catch (ConditionTimeoutException e) {
                // reported below
            }
            if (!p.isAlive() || !Files.exists(portFile) || Files.readAllLines(portFile).size() < 2) {
                throw new IOException("Chromium did not start; its log: "
                        + Files.readString(profile.resolve("chromium.log")));
            }
            int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
            HttpClient http = HttpClient.newHttpClient();
            String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            String pageUrl = null;
            for (Object o : JSON.std.listFrom(list)) {
                Map<?, ?> target = (Map<?, ?>) o;
                if ("page".equals(target.get("type"))) {
                    pageUrl = (String) target.get("webSocketDebuggerUrl");
                    break;
                }
            }
            if (pageUrl == null) {
                throw new IOException("Chromium has no page target: " + list);
            }
            return new Chromium(p, profile, http, URI.create(pageUrl));
        } catch (Exception e) {
            kill(p);
            throw e;
        }
    }

    private Chromium(Process process, Path profile, HttpClient http, URI page) throws Exception {
        this.process = process;
        this.profile = profile;
        this.socket = http.newWebSocketBuilder().buildAsync(page, new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    String message = text.toString();
                    text.setLength(0);
                    received(message);
                }
                ws.request(1);
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
    }

    private void received(String message) {
        try {
            Map<String, Object> m = JSON.std.mapFrom(message);
            Object id = m.get("id");
            if (id instanceof Number n) {
                CompletableFuture<Map<String, Object>> f = pending.remove(n.intValue());
                if (f != null) {
                    f.complete(m);
                }
            }
        } catch (IOException e) {
            // not for us
        }
    }

    /** Sends one DevTools command and waits for its result. */
    @SuppressWarnings("unchecked")
    Map<String, Object> call(String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<Map<String, Object>> answer = new CompletableFuture<>();
        pending.put(id, answer);
        Map<String, Object> command = new LinkedHashMap<>();
        command.put("id", id);
        command.put("method", method);
        command.put("params", params);
        socket.sendText(JSON.std.asString(command), true).get(10, TimeUnit.SECONDS);
        Map<String, Object> m = answer.get(30, TimeUnit.SECONDS);
        if (m.containsKey("error")) {
            throw new IOException(method + " failed: " + m.get("error"));
        }
        return (Map<String, Object>) m.get("result");
    }

    void navigate(URI url) throws Exception {
        call("Page.navigate", Map.of("url", url.toString()));
    }

    /** Evaluates a JavaScript expression in the page and returns its value (JSON-compatible). */
    @SuppressWarnings("unchecked")
    Object evaluate(String expression) throws Exception {
        Map<String, Object> r = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
        if (r.containsKey("exceptionDetails")) {
            throw new IOException("'" + expression + "' threw: " + r.get("exceptionDetails"));
        }
        return ((Map<String, Object>) r.get("result")).get("value");
    }

    void screenshot(Path file) throws Exception {
        Map<String, Object> r = call("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
        Files.createDirectories(file.getParent());
        Files.write(file, Base64.getDecoder().decode((String) r.get("data")));
    }

    @Override
    public void close() throws IOException {
        try {
            socket.abort();
        } finally {
            try {
                kill(process);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                // a temp directory left behind
            }
        }
    }

    private static void kill(Process p) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    static Duration elapsedSince(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
