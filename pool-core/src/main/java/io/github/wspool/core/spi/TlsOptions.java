package io.github.wspool.core.spi;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;

/**
 * How a transport secures {@code wss://} connections.
 *
 * <p>Hostname verification is on unless {@code verifyHostname} is {@code false} (the builder only turns it off
 * through an explicitly insecure option, and logs a warning when it does). A transport must apply these options
 * through {@link #configure(SSLParameters)}, which keeps the endpoint identification algorithm {@code HTTPS} when
 * verification is on, whatever the user's {@link SSLParameters} say.
 *
 * @param context        the SSL context for private CAs or client certificates, or {@code null} for the JVM's
 *                       default (its default trust store)
 * @param parameters     cipher suites, protocols, SNI names and the like to apply on top of the context's defaults,
 *                       or {@code null}; copied, never mutated
 * @param verifyHostname whether the server certificate must match the host name of the URI
 */
public record TlsOptions(SSLContext context, SSLParameters parameters, boolean verifyHostname) {

    /** The JVM's default context and trust store, with hostname verification on. */
    public static final TlsOptions DEFAULT = new TlsOptions(null, null, true);

    /**
     * The socket factory for a blocking transport.
     *
     * @return the context's factory, or the JVM default
     */
    public SSLSocketFactory socketFactory() {
        return context != null ? context.getSocketFactory() : (SSLSocketFactory) SSLSocketFactory.getDefault();
    }

    /**
     * A client-mode engine for a non-blocking transport, already configured.
     *
     * @param host the host name of the URI (for SNI and hostname verification)
     * @param port the port
     * @return a configured client engine
     * @throws java.security.NoSuchAlgorithmException if the JVM has no default context
     */
    public SSLEngine newClientEngine(String host, int port) throws java.security.NoSuchAlgorithmException {
        SSLContext c = context != null ? context : SSLContext.getDefault();
        SSLEngine engine = c.createSSLEngine(host, port);
        engine.setUseClientMode(true);
        SSLParameters p = engine.getSSLParameters();
        configure(p);
        engine.setSSLParameters(p);
        return engine;
    }

    /**
     * Applies the user's parameters to a socket's or engine's parameters, then sets endpoint identification:
     * {@code HTTPS} when hostname verification is on, none when it is off.
     *
     * @param target the parameters of the socket or engine about to handshake; modified
     */
    public void configure(SSLParameters target) {
        SSLParameters p = parameters;
        if (p != null) {
            if (p.getCipherSuites() != null) {
                target.setCipherSuites(p.getCipherSuites());
            }
            if (p.getProtocols() != null) {
                target.setProtocols(p.getProtocols());
            }
            if (p.getServerNames() != null) {
                target.setServerNames(p.getServerNames());
            }
            if (p.getAlgorithmConstraints() != null) {
                target.setAlgorithmConstraints(p.getAlgorithmConstraints());
            }
            if (p.getApplicationProtocols() != null && p.getApplicationProtocols().length > 0) {
                target.setApplicationProtocols(p.getApplicationProtocols());
            }
        }
        target.setEndpointIdentificationAlgorithm(verifyHostname ? "HTTPS" : null);
    }

    /** Names what is configured, never key material. */
    @Override
    public String toString() {
        return "TlsOptions[context=" + (context != null ? context.getProtocol() : "jvm-default") + ", parameters="
                + (parameters != null ? "custom" : "default") + ", verifyHostname=" + verifyHostname + "]";
    }
}
