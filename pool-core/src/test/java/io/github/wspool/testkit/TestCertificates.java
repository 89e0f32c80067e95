package io.github.wspool.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Self-signed certificates generated for the test run with the JDK's own {@code keytool}, into a temporary directory
 * deleted at exit. Each is made once per JVM and cached.
 */
public final class TestCertificates {

    private static final char[] PASSWORD = "changeit".toCharArray();
    private static final Map<String, KeyStore> STORES = new ConcurrentHashMap<>();

    /** A certificate for {@code 127.0.0.1} (and {@code localhost}), as a server on loopback should have. */
    public static final String LOOPBACK = "loopback";
    /** A certificate for {@code wrong.example} only: right key, wrong host name for a loopback server. */
    public static final String WRONG_HOST = "wrong-host";
    /** A certificate for the name {@code wspool.test} only (no address): what a server found by DNS would have. */
    public static final String NAMED = "named";

    private TestCertificates() {
    }

    /** An SSL context whose key manager serves the certificate {@code which}. */
    public static SSLContext serverContext(String which) {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store(which), PASSWORD);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Like {@link #serverContext(String)}, recording the server names (SNI) clients ask for in {@code sniSeen}.
     *
     * @param which   the certificate
     * @param sniSeen receives each handshake's requested host names
     * @return the context
     */
    public static SSLContext serverContext(String which, List<String> sniSeen) {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store(which), PASSWORD);
            X509KeyManager keys = (X509KeyManager) kmf.getKeyManagers()[0];
            X509ExtendedKeyManager recording = new X509ExtendedKeyManager() {
                @Override
                public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                    if (socket instanceof SSLSocket ssl && ssl.getHandshakeSession() instanceof ExtendedSSLSession h) {
                        for (SNIServerName n : h.getRequestedServerNames()) {
                            if (n instanceof SNIHostName host) {
                                sniSeen.add(host.getAsciiName());
                            }
                        }
                    }
                    return keys.chooseServerAlias(keyType, issuers, socket);
                }

                @Override
                public String[] getClientAliases(String keyType, Principal[] issuers) {
                    return keys.getClientAliases(keyType, issuers);
                }

                @Override
                public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                    return keys.chooseClientAlias(keyType, issuers, socket);
                }

                @Override
                public String[] getServerAliases(String keyType, Principal[] issuers) {
                    return keys.getServerAliases(keyType, issuers);
                }

                @Override
                public X509Certificate[] getCertificateChain(String alias) {
                    return keys.getCertificateChain(alias);
                }

                @Override
                public PrivateKey getPrivateKey(String alias) {
                    return keys.getPrivateKey(alias);
                }
            };
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {recording}, null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An SSL context that trusts exactly the certificate {@code which} (a private CA of one). */
    public static SSLContext trusting(String which) {
        try {
            Certificate cert = store(which).getCertificate("server");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("server", cert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyStore store(String which) {
        return STORES.computeIfAbsent(which, TestCertificates::generate);
    }

    private static KeyStore generate(String which) {
        String dname;
        String san;
        switch (which) {
            case LOOPBACK -> {
                dname = "CN=127.0.0.1";
                san = "SAN=ip:127.0.0.1,ip:::1,dns:localhost";
            }
            case WRONG_HOST -> {
                dname = "CN=wrong.example";
                san = "SAN=dns:wrong.example";
            }
            case NAMED -> {
                dname = "CN=wspool.test";
                san = "SAN=dns:wspool.test";
            }
            default -> throw new IllegalArgumentException("unknown certificate " + which);
        }
        try {
            Path dir = Files.createTempDirectory("wspool-certs");
            Path file = dir.resolve(which + ".p12");
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            Process p = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC",
                    "-groupname", "secp256r1", "-dname", dname, "-ext", san, "-validity", "2", "-keystore",
                    file.toString(), "-storetype", "PKCS12", "-storepass", new String(PASSWORD), "-keypass",
                    new String(PASSWORD))).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("keytool failed: " + output);
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(file)) {
                ks.load(in, PASSWORD);
            }
            Files.delete(file);
            Files.delete(dir);
            return ks;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
