import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.CompressionType;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;

/**
 * The Java client's side of bench/pulsar: the same workload as pulsar_bench.c
 * (arguments URL TOPIC COUNT SIZE BATCHING CODEC, same output line), with
 * the official client's defaults apart from the pending-queue size.
 */
public final class JavaBench {
    public static void main(String[] args) throws Exception {
        String url = args[0];
        String topic = args[1];
        int count = Integer.parseInt(args[2]);
        int size = Integer.parseInt(args[3]);
        boolean batching = args[4].equals("1");
        CompressionType codec = CompressionType.valueOf(args[5].toUpperCase());

        byte[] payload = new byte[size];
        byte[] pattern = "{\"device_id\":\"device-0042\",\"command\":\"NOOP\",\"t\":1} ".getBytes();
        for (int i = 0; i < size; i++) {
            payload[i] = pattern[i % pattern.length];
        }
        try (PulsarClient client = PulsarClient.builder().serviceUrl(url).build();
             Consumer<byte[]> consumer = client.newConsumer().topic(topic).subscriptionName("bench")
                     .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe();
             Producer<byte[]> producer = client.newProducer().topic(topic).enableBatching(batching)
                     .compressionType(codec).maxPendingMessages(10000).blockIfQueueFull(true)
                     .create()) {
            double[] latency = new double[count];
            CompletableFuture<?>[] futures = new CompletableFuture<?>[count];
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                final int index = i;
                final long sentAt = System.nanoTime();
                futures[i] = producer.sendAsync(payload)
                        .thenRun(() -> latency[index] = (System.nanoTime() - sentAt) / 1e6);
            }
            producer.flush();
            CompletableFuture.allOf(futures).join();
            double produceMs = (System.nanoTime() - start) / 1e6;

            start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                Message<byte[]> message = consumer.receive(30, TimeUnit.SECONDS);
                consumer.acknowledge(message);
            }
            double consumeMs = (System.nanoTime() - start) / 1e6;
            Arrays.sort(latency);
            System.out.printf("produce_msgs_per_s %.0f produce_mb_per_s %.1f p50_ms %.1f p99_ms %.1f "
                            + "consume_msgs_per_s %.0f%n",
                    count * 1000.0 / produceMs, (double) count * size / 1048576.0 * 1000.0 / produceMs,
                    latency[count / 2], latency[(int) ((long) count * 99 / 100)],
                    count * 1000.0 / consumeMs);
        }
    }
}
