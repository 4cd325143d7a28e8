package dev.switchyard.interop;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.CompressionType;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;

/**
 * The Java side of the C/Java interoperability test.
 *
 * <p>Both sides write and expect the same messages: message i has payload
 * "{lang}-{i}", key "key-{i % 3}", properties index={i} and lang={lang}, and
 * event time 1700000000000 + i.
 *
 * <pre>
 * produce URL TOPIC COUNT CODEC   batched, compressed (NONE, LZ4, ZLIB, ZSTD) messages, lang=java
 * consume URL TOPIC COUNT         checks COUNT messages with lang=c; exit status 1 on a mismatch
 * </pre>
 */
public final class Interop {
    private static final long EVENT_TIME_BASE = 1700000000000L;

    private Interop() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: Interop produce URL TOPIC COUNT CODEC | consume URL TOPIC COUNT");
            System.exit(2);
        }
        int count = Integer.parseInt(args[3]);
        try (PulsarClient client = PulsarClient.builder().serviceUrl(args[1]).build()) {
            if (args[0].equals("produce")) {
                produce(client, args[2], count, CompressionType.valueOf(args[4]));
            } else {
                System.exit(consume(client, args[2], count));
            }
        }
    }

    private static void produce(PulsarClient client, String topic, int count, CompressionType codec)
            throws Exception {
        try (Producer<byte[]> producer = client.newProducer()
                .topic(topic)
                .producerName("java-interop")
                .enableBatching(true)
                .batchingMaxMessages(10)
                .batchingMaxPublishDelay(50, TimeUnit.MILLISECONDS)
                .compressionType(codec)
                .create()) {
            for (int i = 0; i < count; i++) {
                producer.newMessage()
                        .key("key-" + (i % 3))
                        .property("index", Integer.toString(i))
                        .property("lang", "java")
                        .eventTime(EVENT_TIME_BASE + i)
                        .value(("java-" + i).getBytes(StandardCharsets.UTF_8))
                        .sendAsync();
            }
            producer.flush();
        }
    }

    private static int consume(PulsarClient client, String topic, int count) throws Exception {
        int failures = 0;
        try (Consumer<byte[]> consumer = client.newConsumer()
                .topic(topic)
                .subscriptionName("java-interop")
                .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest)
                .subscribe()) {
            for (int i = 0; i < count; i++) {
                Message<byte[]> message = consumer.receive(20, TimeUnit.SECONDS);
                if (message == null) {
                    System.err.println("timed out waiting for message " + i);
                    return 1;
                }
                failures += check(message, i);
                consumer.acknowledge(message);
            }
        }
        return failures == 0 ? 0 : 1;
    }

    private static int check(Message<byte[]> message, int i) {
        String payload = new String(message.getValue(), StandardCharsets.UTF_8);
        Map<String, String> props = message.getProperties();
        String expectedKey = "key-" + (i % 3);
        boolean ok = payload.equals("c-" + i)
                && expectedKey.equals(message.getKey())
                && props.size() == 2
                && Integer.toString(i).equals(props.get("index"))
                && "c".equals(props.get("lang"))
                && message.getEventTime() == EVENT_TIME_BASE + i
                && message.getSequenceId() == i
                && "c-interop".equals(message.getProducerName());
        if (!ok) {
            System.err.printf("message %d mismatch: payload=%s key=%s props=%s event=%d seq=%d producer=%s%n",
                    i, payload, message.getKey(), props, message.getEventTime(),
                    message.getSequenceId(), message.getProducerName());
            return 1;
        }
        return 0;
    }
}
