package io.beacon.query.auth;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Passwords (Argon2id, OWASP's minimum: 19 MiB, 2 passes; slow on purpose, so call from a worker
 * thread), and random tokens stored only as their SHA-256.
 */
public final class Secrets {
  private static final Argon2Function ARGON2 = Argon2Function.getInstance(19_456, 2, 1, 32, Argon2.ID);
  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {}

  public static String hashPassword(String password) {
    return Password.hash(password).addRandomSalt(16).with(ARGON2).getResult();
  }

  public static boolean checkPassword(String password, String hash) {
    if (hash == null || !hash.startsWith("$argon2")) {
      return false;
    }
    return Password.check(password, hash).with(Argon2Function.getInstanceFromHash(hash));
  }

  /**
   * Checks {@code password} against {@code hash}, or, when there is no usable hash (an unknown email), against a
   * hash of a random password with the same parameters: every login costs one Argon2 run, so the answer's timing
   * does not tell which emails have an account.
   */
  public static boolean checkPasswordInEqualTime(String password, String hash) {
    boolean usable = hash != null && hash.startsWith("$argon2");
    boolean ok = Password.check(password, usable ? hash : Decoy.HASH)
        .with(usable ? Argon2Function.getInstanceFromHash(hash) : ARGON2);
    return usable && ok;
  }

  /** A hash no password matches (of a random one, thrown away), made once on first use. */
  private static final class Decoy {
    static final String HASH = hashPassword(randomToken(32));
  }

  /** Makes the decoy hash now (slow: from a worker thread at start), so the first unknown email is not slower. */
  public static void warmUp() {
    checkPasswordInEqualTime("", null);
  }

  /**
   * A stable stand-in for a value that must not reach a log (an email, a client address): the first 12 hex digits
   * of its HMAC-SHA256 under a key drawn at every start. Lines of one node's run can be told apart and matched
   * ("the same account failed 20 times"); nobody can turn it back into the value, not even with a list of emails,
   * and it carries no line break or other character a log reader would misread.
   */
  public static String pseudonym(String value) {
    if (value == null) {
      return "-";
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(LOG_KEY);
      return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8))).substring(0, 12);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final SecretKeySpec LOG_KEY = new SecretKeySpec(randomBytes(32), "HmacSHA256");

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  /** A new random secret (API token, MP api_secret, generated password), URL-safe. */
  public static String randomToken(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  public static String sha256(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
