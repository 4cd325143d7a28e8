import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pulsar.client.api.CompressionType;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.SubscriptionType;

/**
 * The Java side of bench/pulsar: the load generator of pulsar_bench.c over
 * the official Java client, with the same commands, options, payload and
 * output line, so that bench/pulsar/run.sh can run both the same way.
 *
 * <pre>
 *   JavaPerf produce|consume URL TOPIC [options]
 * </pre>
 *
 * See pulsar_bench.c for what each option sets and how time is measured.
 * Every option maps onto the client builder setting of the same meaning;
 * everything else keeps the Java client's default.
 */
public final class JavaPerf {
    private String mode;
    private String url;
    private String topic;
    private String subscription = "bench";
    private int size = 1024;
    private long messages;
    private long seconds;
    private int pending = 1000;
    private int receiverQueue = 1000;
    private int batchMaxMessages = 1000;
    private int batchMaxBytes = 131072;
    private long batchDelayMs = 1;
    private boolean batching = true;
    private CompressionType compression = CompressionType.NONE;

    public static void main(String[] args) throws Exception {
        JavaPerf perf = new JavaPerf();
        if (!perf.parse(args)) {
            System.exit(2);
        }
        try (PulsarClient client = PulsarClient.builder().serviceUrl(perf.url).build()) {
            int status = perf.mode.equals("produce") ? perf.produce(client) : perf.consume(client);
            System.out.flush();
            System.exit(status);
        }
    }

    private boolean parse(String[] args) {
        if (args.length < 3 || !(args[0].equals("produce") || args[0].equals("consume"))) {
            System.err.println("usage: JavaPerf produce|consume URL TOPIC [options of pulsar_bench]");
            return false;
        }
        mode = args[0];
        url = args[1];
        topic = args[2];
        try {
            for (int i = 3; i < args.length; i++) {
                String name = args[i];
                if (name.equals("--no-batching")) {
                    batching = false;
                    continue;
                }
                if (i + 1 >= args.length) {
                    System.err.println("missing value for " + name);
                    return false;
                }
                String value = args[++i];
                switch (name) {
                    case "--size" -> size = Integer.parseInt(value);
                    case "--messages" -> messages = Long.parseLong(value);
                    case "--seconds" -> seconds = Long.parseLong(value);
                    case "--pending" -> pending = Integer.parseInt(value);
                    case "--receiver-queue" -> receiverQueue = Integer.parseInt(value);
                    case "--batch-max-messages" -> batchMaxMessages = Integer.parseInt(value);
                    case "--batch-max-bytes" -> batchMaxBytes = Integer.parseInt(value);
                    case "--batch-delay-ms" -> batchDelayMs = Long.parseLong(value);
                    case "--compression" -> compression = CompressionType.valueOf(value.toUpperCase());
                    case "--subscription" -> subscription = value;
                    default -> {
                        System.err.println("unknown option '" + name + "'");
                        return false;
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("invalid option value: " + e.getMessage());
            return false;
        }
        if (messages <= 0 && seconds <= 0) {
            System.err.println("set --messages or --seconds above 0, so the run ends");
            return false;
        }
        return true;
    }

    /** Returns the same random capital letters that pulsar_bench.c's fill_payload makes. */
    private static byte[] payload(int size) {
        byte[] bytes = new byte[size];
        int state = 12345;
        for (int i = 0; i < size; i++) {
            state = state * 1103515245 + 12345;
            bytes[i] = (byte) ('A' + (state >>> 16) % 26);
        }
        return bytes;
    }

    private static void printResult(long count, long size, double elapsed) {
        double bytes = (double) count * size;
        System.out.printf("messages %d bytes %.0f seconds %.3f msg_per_s %.0f mb_per_s %.2f%n",
                count, bytes, elapsed, count / elapsed, bytes / 1e6 / elapsed);
    }

    private int produce(PulsarClient client) throws Exception {
        Producer<byte[]> producer = client.newProducer()
                .topic(topic)
                .maxPendingMessages(pending)
                .blockIfQueueFull(true)
                .enableBatching(batching)
                .batchingMaxMessages(batchMaxMessages)
                .batchingMaxBytes(batchMaxBytes)
                .batchingMaxPublishDelay(batchDelayMs, TimeUnit.MILLISECONDS)
                .compressionType(compression)
                .create();
        byte[] body = payload(size);
        AtomicReference<Throwable> firstError = new AtomicReference<>();

        long start = System.nanoTime();
        long deadline = seconds > 0 ? start + TimeUnit.SECONDS.toNanos(seconds) : Long.MAX_VALUE;
        long sent = 0;
        while ((messages <= 0 || sent < messages) && System.nanoTime() < deadline) {
            producer.sendAsync(body).exceptionally(e -> {
                firstError.compareAndSet(null, e);
                return null;
            });
            sent++;
        }
        producer.flush();
        double elapsed = (System.nanoTime() - start) / 1e9;
        producer.close();
        if (firstError.get() != null) {
            System.err.println("a send failed: " + firstError.get());
            return 1;
        }
        printResult(sent, size, elapsed);
        return 0;
    }

    private int consume(PulsarClient client) throws Exception {
        Consumer<byte[]> consumer = client.newConsumer()
                .topic(topic)
                .subscriptionName(subscription)
                .subscriptionType(SubscriptionType.Exclusive)
                .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest)
                .receiverQueueSize(receiverQueue)
                .subscribe();

        long start = System.nanoTime();
        long deadline = seconds > 0 ? start + TimeUnit.SECONDS.toNanos(seconds) : Long.MAX_VALUE;
        long last = start;
        long received = 0;
        long bytes = 0;
        while ((messages <= 0 || received < messages) && System.nanoTime() < deadline) {
            Message<byte[]> message = consumer.receive(10, TimeUnit.SECONDS);
            if (message == null && received > 0 && messages <= 0) {
                // A run limited only by time ends early, and is still valid, when the backlog is read.
                System.err.printf("the backlog of %s ran out after %d messages in %.3f s%n",
                        topic, received, (last - start) / 1e9);
                break;
            }
            if (message == null) {
                System.err.println("receive after " + received + " messages timed out. The backlog of "
                        + topic + " may be shorter than the run needs: write more messages first.");
                consumer.close();
                return 1;
            }
            bytes += message.getData().length;
            consumer.acknowledge(message);
            received++;
            last = System.nanoTime();
        }
        consumer.close();
        if (received > 0) {
            printResult(received, bytes / received, (last - start) / 1e9);
        }
        return 0;
    }
}
