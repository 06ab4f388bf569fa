package io.beacon.devstack;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The rehearsal's mail server (GreenMail, a real SMTP server, in the rehearsal's JVM): Alertmanager's relay, so the
 * alerts the faults fire are read as people would get them. It accepts the one login Alertmanager's file names.
 */
final class MailSink implements AutoCloseable {
  static final int PORT = 19025;

  /** One mail as received: when, to whom, its subject. */
  record Mail(Instant received, List<String> to, String subject) {
  }

  private final GreenMail server;
  private final List<Instant> receivedAt = new ArrayList<>();

  MailSink(String user, String password) {
    server = new GreenMail(new ServerSetup(PORT, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    server.setUser(user, user, password);
  }

  void start() {
    server.start();
  }

  String relay() {
    return "127.0.0.1:" + PORT;
  }

  /** Every mail so far, in arrival order (a mail's arrival time is when this sink first listed it). */
  synchronized List<Mail> mails() {
    MimeMessage[] messages = server.getReceivedMessages();
    while (receivedAt.size() < messages.length) {
      receivedAt.add(Instant.now());
    }
    List<Mail> mails = new ArrayList<>();
    for (int i = 0; i < messages.length; i++) {
      try {
        Address[] to = messages[i].getAllRecipients();
        mails.add(new Mail(receivedAt.get(i), to == null ? List.of() : Arrays.stream(to).map(Address::toString).toList(),
            messages[i].getSubject()));
      } catch (MessagingException e) {
        mails.add(new Mail(receivedAt.get(i), List.of(), "(unreadable: " + e.getMessage() + ")"));
      }
    }
    return mails;
  }

  @Override
  public void close() {
    server.stop();
  }
}
