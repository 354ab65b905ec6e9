package io.pgwal.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test certificate authority (made with Bouncy Castle) that issues server and client
 * certificates as files: certificates and the server's key in PEM, client keys in PKCS-8 DER (what
 * pgjdbc reads). Everything lives in one directory the caller removes.
 */
public final class TestCertificates {

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private final Path dir;
    private final String name;
    private final KeyPair caKeys;
    private final X509Certificate ca;

    private TestCertificates(Path dir, String name) throws Exception {
        this.dir = dir;
        this.name = name;
        this.caKeys = rsa();
        X500Name subject = new X500Name("CN=" + name);
        X509v3CertificateBuilder b = builder(subject, subject, caKeys);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true,
                new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        this.ca = sign(b, caKeys);
        writePem(caCertFile(), ca);
    }

    /** A new CA named {@code name}, writing its files into {@code dir}. */
    public static TestCertificates authority(Path dir, String name) {
        try {
            Files.createDirectories(dir);
            return new TestCertificates(dir, name);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot make a test CA", e);
        }
    }

    /** The CA's certificate (PEM), to trust. */
    public Path caCertFile() {
        return dir.resolve(name + "-ca.crt");
    }

    /**
     * A server certificate for {@code localhost} and 127.0.0.1: returns {certificate, key} PEM
     * files, the key readable by its owner only (PostgreSQL refuses anything else).
     */
    public Path[] server(String fileName) {
        try {
            KeyPair keys = rsa();
            X509v3CertificateBuilder b = builder(new X500Name("CN=" + name), new X500Name(
                    "CN=localhost"), keys);
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                    new GeneralName[] {new GeneralName(GeneralName.dNSName, "localhost"),
                            new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            Path cert = dir.resolve(fileName + ".crt");
            Path key = dir.resolve(fileName + ".key");
            writePem(cert, sign(b, caKeys));
            writePem(key, keys.getPrivate());
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
            return new Path[] {cert, key};
        } catch (Exception e) {
            throw new IllegalStateException("Cannot make a server certificate", e);
        }
    }

    /** A client certificate for user {@code cn}: returns {certificate PEM, key PKCS-8 DER}. */
    public Path[] client(String cn) {
        try {
            KeyPair keys = rsa();
            X509v3CertificateBuilder b = builder(new X500Name("CN=" + name), new X500Name(
                    "CN=" + cn), keys);
            Path cert = dir.resolve(cn + ".crt");
            Path key = dir.resolve(cn + ".pk8");
            writePem(cert, sign(b, caKeys));
            Files.write(key, keys.getPrivate().getEncoded());
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
            return new Path[] {cert, key};
        } catch (Exception e) {
            throw new IllegalStateException("Cannot make a client certificate", e);
        }
    }

    private static KeyPair rsa() throws NoSuchAlgorithmException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject,
            KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(2))),
                subject, keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair issuerKeys)
            throws OperatorCreationException, java.security.cert.CertificateException {
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuerKeys.getPrivate())));
    }

    private static void writePem(Path file, Object o) throws IOException {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(o);
        }
        Files.writeString(file, s.toString());
    }
}
