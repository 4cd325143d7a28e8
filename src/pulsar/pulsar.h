/*
 * A Pulsar client in plain C: the public contract of src/pulsar/.
 *
 * The library implements Pulsar's binary protocol over TCP. It connects with
 * optional token authentication, looks topics up and handles partitioned
 * topics. Producers send synchronously or asynchronously, with batching,
 * LZ4/ZLIB/ZSTD compression, and stable names and sequence ids for broker
 * deduplication. Consumers use exclusive, shared, failover or key_shared
 * subscriptions with flow control and individual, cumulative and negative
 * acknowledgement. After a lost connection the library reconnects with
 * back-off, re-creates producers and consumers and re-sends every
 * unacknowledged message in order.
 *
 * Threading model:
 *   1. Each pulsar_client owns one I/O thread. It runs a poll(2) loop over
 *      the client's sockets and a wake-up pipe, and does all reading,
 *      writing, timers (keep-alive, batch delay, send timeout, negative-ack
 *      delay) and reconnection.
 *   2. Every public function may be called from any thread at any time,
 *      except where its comment states otherwise. Blocking functions
 *      (pulsar_producer_create, pulsar_producer_send, pulsar_consumer_receive,
 *      the close functions, ...) wait on a condition variable while the I/O
 *      thread works, so several threads may block at once.
 *   3. Callbacks (send completions and the log callback) run on the I/O
 *      thread, with no lock of the library held. A callback may call the
 *      non-blocking functions (pulsar_producer_send_async, the ack functions)
 *      but a blocking function called from a callback returns
 *      PULSAR_ERR_INVALID_STATE instead of blocking the thread that it would
 *      have to wait for. A callback should return quickly: while it runs no
 *      socket of the client is served.
 *
 * Ownership: the library copies every string and buffer that a caller passes
 * in, before the call returns, unless a comment says otherwise. Objects that
 * the library returns (clients, producers, consumers, messages) belong to the
 * caller until the matching close or free function.
 *
 * The library never prints, never exits and never aborts on peer input: every
 * failure is a pulsar_result. Broker errors (the protocol's ServerError codes)
 * keep their own values, PULSAR_ERR_BROKER_BASE + code, apart from local ones.
 */
#ifndef SWITCHYARD_PULSAR_PULSAR_H
#define SWITCHYARD_PULSAR_PULSAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- results */

typedef enum {
    PULSAR_OK = 0,

    /* Local errors. */
    PULSAR_ERR_INVALID_ARGUMENT = 1, /* a NULL, empty or out-of-range argument */
    PULSAR_ERR_NO_MEMORY = 2,        /* an allocation failed */
    PULSAR_ERR_INVALID_URL = 3,      /* service URL not of the form pulsar://host:port */
    PULSAR_ERR_UNSUPPORTED = 4,      /* a feature not implemented, for example pulsar+ssl:// */
    PULSAR_ERR_CONNECT = 5,          /* resolving or connecting to the broker failed */
    PULSAR_ERR_DISCONNECTED = 6,     /* the connection dropped before the operation finished */
    PULSAR_ERR_TIMEOUT = 7,          /* the operation did not finish in its time limit */
    PULSAR_ERR_MALFORMED = 8,        /* the peer sent bytes that do not decode */
    PULSAR_ERR_TOO_LARGE = 9,        /* a message or frame exceeds the size limit */
    PULSAR_ERR_CHECKSUM = 10,        /* a message's CRC32C does not match its bytes */
    PULSAR_ERR_COMPRESSION = 11,     /* compressing or decompressing a payload failed */
    PULSAR_ERR_QUEUE_FULL = 12,      /* the producer's pending queue is at its maximum */
    PULSAR_ERR_CLOSED = 13,          /* the client, producer or consumer is closed */
    PULSAR_ERR_LOOKUP = 14,          /* topic lookup failed or redirected too many times */
    PULSAR_ERR_PROTOCOL = 15,        /* the broker's response breaks the protocol */
    PULSAR_ERR_INVALID_STATE = 16,   /* the call is not allowed now (see the function) */

    /* Broker errors: PULSAR_ERR_BROKER_BASE + the protocol's ServerError value. */
    PULSAR_ERR_BROKER_BASE = 100,
    PULSAR_ERR_BROKER_UNKNOWN = 100,
    PULSAR_ERR_BROKER_METADATA = 101,
    PULSAR_ERR_BROKER_PERSISTENCE = 102,
    PULSAR_ERR_BROKER_AUTHENTICATION = 103,
    PULSAR_ERR_BROKER_AUTHORIZATION = 104,
    PULSAR_ERR_BROKER_CONSUMER_BUSY = 105,
    PULSAR_ERR_BROKER_SERVICE_NOT_READY = 106,
    PULSAR_ERR_BROKER_PRODUCER_BLOCKED_QUOTA_ERROR = 107,
    PULSAR_ERR_BROKER_PRODUCER_BLOCKED_QUOTA_EXCEPTION = 108,
    PULSAR_ERR_BROKER_CHECKSUM = 109,
    PULSAR_ERR_BROKER_UNSUPPORTED_VERSION = 110,
    PULSAR_ERR_BROKER_TOPIC_NOT_FOUND = 111,
    PULSAR_ERR_BROKER_SUBSCRIPTION_NOT_FOUND = 112,
    PULSAR_ERR_BROKER_CONSUMER_NOT_FOUND = 113,
    PULSAR_ERR_BROKER_TOO_MANY_REQUESTS = 114,
    PULSAR_ERR_BROKER_TOPIC_TERMINATED = 115,
    PULSAR_ERR_BROKER_PRODUCER_BUSY = 116,
    PULSAR_ERR_BROKER_INVALID_TOPIC_NAME = 117,
    PULSAR_ERR_BROKER_INCOMPATIBLE_SCHEMA = 118,
    PULSAR_ERR_BROKER_CONSUMER_ASSIGN = 119,
    PULSAR_ERR_BROKER_TRANSACTION_COORDINATOR_NOT_FOUND = 120,
    PULSAR_ERR_BROKER_INVALID_TXN_STATUS = 121,
    PULSAR_ERR_BROKER_NOT_ALLOWED = 122,
    PULSAR_ERR_BROKER_TRANSACTION_CONFLICT = 123,
    PULSAR_ERR_BROKER_TRANSACTION_NOT_FOUND = 124,
    PULSAR_ERR_BROKER_PRODUCER_FENCED = 125,
    /* A ServerError value newer than this list maps to PULSAR_ERR_BROKER_BASE + value too. */
} pulsar_result;

/* Returns a fixed English description of result; never NULL, even for unknown values. */
const char *pulsar_result_str(pulsar_result result);

/* Returns true when result is a broker error (PULSAR_ERR_BROKER_BASE or above). */
bool pulsar_result_is_broker_error(pulsar_result result);

/*
 * Returns true when repeating the same operation later may succeed. That is
 * the case for lost connections, time-outs, a full queue, and the broker
 * errors ServiceNotReady, TooManyRequests, Persistence, Metadata and
 * ProducerBusy (the broker may not yet have noticed that a previous
 * connection of the same producer died). Everything else is fatal: bad
 * arguments, authentication, authorization, invalid topic, ConsumerBusy of
 * an exclusive subscription, and so on.
 */
bool pulsar_result_is_retriable(pulsar_result result);

/* ---------------------------------------------------------------- client */

typedef struct pulsar_client pulsar_client;

typedef enum {
    PULSAR_LOG_DEBUG = 0,
    PULSAR_LOG_INFO = 1,
    PULSAR_LOG_WARN = 2,
    PULSAR_LOG_ERROR = 3,
} pulsar_log_level;

/*
 * Receives the library's events (connections opened and lost, reconnect
 * attempts, broker errors, dropped corrupt messages). Runs on the I/O thread.
 * message is valid only during the call and never contains a secret or payload.
 */
typedef void (*pulsar_log_fn)(pulsar_log_level level, const char *message, void *user_data);

typedef struct {
    const char *service_url; /* "pulsar://host:port"; "pulsar+ssl://" is PULSAR_ERR_UNSUPPORTED */
    const char *auth_token;  /* JWT sent with auth_method_name "token"; NULL for none */
    uint32_t operation_timeout_ms;     /* limit of lookups, create, subscribe, close (30000) */
    uint32_t connect_timeout_ms;       /* limit of one TCP connect plus handshake (10000) */
    uint32_t keepalive_interval_ms;    /* idle time before we send PING (30000) */
    uint32_t reconnect_min_backoff_ms; /* first delay before a reconnect attempt (100) */
    uint32_t reconnect_max_backoff_ms; /* cap of the doubling delay (30000) */
    uint32_t max_lookup_redirects;     /* LOOKUP redirects followed before PULSAR_ERR_LOOKUP (20) */
    pulsar_log_fn log_fn;              /* optional */
    void *log_user_data;
} pulsar_client_config;

/* Fills config with the defaults shown above and a NULL service_url. */
void pulsar_client_config_init(pulsar_client_config *config);

/*
 * Creates a client and starts its I/O thread. No connection is opened until
 * a producer, consumer or lookup needs one. On success *client_out is set and
 * belongs to the caller until pulsar_client_close.
 * Errors: PULSAR_ERR_INVALID_ARGUMENT, PULSAR_ERR_INVALID_URL,
 * PULSAR_ERR_UNSUPPORTED (TLS), PULSAR_ERR_NO_MEMORY.
 */
pulsar_result pulsar_client_create(const pulsar_client_config *config, pulsar_client **client_out);

/*
 * Closes every producer and consumer still open (as their close functions
 * would, so a producer's pending messages are flushed first), stops the I/O
 * thread, closes all connections and frees the client. Handles of producers
 * and consumers of this client are invalid afterwards. NULL is allowed.
 * Must not be called from a callback.
 */
void pulsar_client_close(pulsar_client *client);

/*
 * Asks the broker how many partitions topic has: 0 for a non-partitioned
 * topic. Blocks up to operation_timeout_ms.
 * Errors: PULSAR_ERR_INVALID_ARGUMENT, connection and broker errors, PULSAR_ERR_TIMEOUT.
 */
pulsar_result pulsar_client_partition_count(pulsar_client *client, const char *topic,
                                            uint32_t *partitions_out);

/*
 * Returns the partition (0-based) of key on a topic of `partitions` partitions,
 * as the Java client's default router (JavaStringHash) computes it:
 * (String.hashCode() & 0x7fffffff) % partitions. hashCode runs over the
 * UTF-16 code units of the key decoded from UTF-8. Returns 0 when partitions
 * is 0. NOTE: each invalid UTF-8 byte counts as one U+FFFD, while Java may
 * replace a truncated multi-byte sequence by a single one, so keys that are
 * not valid UTF-8 can land on another partition than with Java.
 */
uint32_t pulsar_key_partition(const char *key, uint32_t partitions);

/* ---------------------------------------------------------------- messages */

/* Position of a message in a topic. */
typedef struct {
    uint64_t ledger_id;
    uint64_t entry_id;
    int32_t partition;   /* -1 on a non-partitioned topic */
    int32_t batch_index; /* -1 when the message was not sent in a batch */
    int32_t batch_size;  /* messages in its batch, 0 when not batched */
} pulsar_message_id;

/* The id a producer receives for a message that the broker dropped as a duplicate. */
#define PULSAR_DUPLICATE_LEDGER_ID UINT64_MAX

/* Returns true when id is the receipt of a message dropped by broker deduplication. */
bool pulsar_message_id_is_duplicate(const pulsar_message_id *id);

/*
 * One message property; both strings are NUL-terminated. In a received
 * message either may also contain NUL bytes: pulsar_message gives their
 * lengths.
 */
typedef struct {
    const char *key;
    const char *value;
} pulsar_property;

/* A message to send. The library copies all of it during the send call. */
typedef struct {
    const void *payload;
    size_t payload_len;
    const char *key;                   /* partition key; NULL for none */
    const pulsar_property *properties; /* property_count entries; may be NULL when 0 */
    size_t property_count;
    uint64_t event_time_ms; /* 0 for none */
    int64_t sequence_id;    /* -1: the producer assigns the next one */
} pulsar_outgoing_message;

/* Fills message with an empty payload, no key, no properties and sequence_id -1. */
void pulsar_outgoing_message_init(pulsar_outgoing_message *message);

/*
 * A received message. Every pointer in it stays valid until
 * pulsar_message_free; the caller owns the message.
 */
typedef struct {
    pulsar_message_id id;
    const char *topic; /* the partition's topic name on a partitioned topic */
    const uint8_t *payload;
    size_t payload_len;
    const char *key; /* NULL when the message had none */
    const pulsar_property *properties;
    size_t property_count;
    uint64_t event_time_ms; /* 0 when the message had none */
    uint64_t publish_time_ms;
    uint64_t sequence_id;
    const char *producer_name;
    uint32_t redelivery_count;
    /*
     * Byte lengths of the key and of each property key and value, without
     * the terminating NUL. The protocol allows NUL bytes inside them, which
     * strlen would stop at, so code that must see every byte (a router
     * validating an env value) reads these.
     */
    size_t key_len;                    /* 0 when the message had no key */
    const size_t *property_key_lens;   /* property_count entries */
    const size_t *property_value_lens; /* property_count entries */
} pulsar_message;

/* Returns the value of property key, or NULL when message has no such property. */
const char *pulsar_message_property(const pulsar_message *message, const char *key);

/* Frees a received message. NULL is allowed. */
void pulsar_message_free(pulsar_message *message);

/* ---------------------------------------------------------------- producer */

typedef struct pulsar_producer pulsar_producer;

typedef enum {
    PULSAR_COMPRESSION_NONE = 0,
    PULSAR_COMPRESSION_LZ4 = 1,
    PULSAR_COMPRESSION_ZLIB = 2,
    PULSAR_COMPRESSION_ZSTD = 3,
} pulsar_compression;

/*
 * Sets *out to the codec named "none", "lz4", "zlib" or "zstd" (lower case,
 * as command lines and configuration files spell them). Returns false, and
 * leaves *out alone, for any other name or NULL.
 */
bool pulsar_compression_parse(const char *name, pulsar_compression *out);

typedef struct {
    const char *topic;              /* "persistent://tenant/ns/name" or a short name */
    const char *producer_name;      /* stable name for deduplication; NULL lets the broker pick */
    uint32_t max_pending_messages;  /* queued plus unacknowledged messages (1000) */
    bool batching_enabled;          /* false; a batch contains messages of one key only, so
                                       key_shared consumers keep each key in order */
    bool batching_mixed_keys;       /* false; true lets one batch contain messages of any keys,
                                       which keeps batches full when keys interleave. Such a
                                       batch carries no key of its own, so a key_shared
                                       subscription delivers all of them to one consumer
                                       (as the Java client's default batcher) */
    uint32_t batching_max_messages; /* messages per batch (1000); a batch also closes at half
                                       of max_pending_messages, so that one batch fills while
                                       the one before waits for its receipt */
    uint32_t batching_max_bytes;    /* uncompressed payload bytes per batch (131072) */
    uint32_t batching_max_delay_ms; /* oldest message's wait before the batch is sent (10) */
    pulsar_compression compression; /* PULSAR_COMPRESSION_NONE */
    uint32_t send_timeout_ms; /* a message not acknowledged in this time fails (30000; 0 = never) */
    int64_t initial_sequence_id; /* first id of a new producer; -1 continues after the
                                    broker's last_sequence_id (-1) */
} pulsar_producer_config;

/* Fills config with the defaults shown above and a NULL topic. */
void pulsar_producer_config_init(pulsar_producer_config *config);

/*
 * Completion of one sent message. result is PULSAR_OK once the broker has
 * persisted the message (id set; see pulsar_message_id_is_duplicate) and an
 * error otherwise (id NULL). sequence_id is the message's sequence id.
 * Runs on the I/O thread, also for messages that pulsar_producer_close fails.
 */
typedef void (*pulsar_send_callback)(pulsar_result result, const pulsar_message_id *id,
                                     int64_t sequence_id, void *user_data);

/*
 * Creates a producer on config->topic: looks the topic up (on a partitioned
 * topic, each partition), registers with the broker and waits for it.
 * Blocks up to operation_timeout_ms. On success *producer_out belongs to the
 * caller until pulsar_producer_close.
 * Errors: PULSAR_ERR_INVALID_ARGUMENT, PULSAR_ERR_CLOSED, PULSAR_ERR_TIMEOUT,
 * connection errors, broker errors (PRODUCER_BUSY when another producer uses
 * the same name, TOPIC_NOT_FOUND, AUTHORIZATION, ...), PULSAR_ERR_INVALID_STATE
 * from a callback.
 */
pulsar_result pulsar_producer_create(pulsar_client *client, const pulsar_producer_config *config,
                                     pulsar_producer **producer_out);

/*
 * Queues message and returns at once; callback (may be NULL) reports the
 * outcome exactly once. With a key on a partitioned topic the message goes to
 * pulsar_key_partition(key, partitions), without one to the next partition
 * in turn. Messages of one partition are persisted in the order of the calls.
 * While disconnected the message waits in the queue and is sent after the
 * producer reconnects.
 * Errors (callback then not called): PULSAR_ERR_INVALID_ARGUMENT,
 * PULSAR_ERR_QUEUE_FULL, PULSAR_ERR_TOO_LARGE (above the broker's maximum
 * message size), PULSAR_ERR_CLOSED, PULSAR_ERR_NO_MEMORY.
 */
pulsar_result pulsar_producer_send_async(pulsar_producer *producer,
                                         const pulsar_outgoing_message *message,
                                         pulsar_send_callback callback, void *user_data);

/*
 * Sends message and waits until the broker has persisted it (or the send
 * timeout passes). id_out, if not NULL, receives the message id.
 * Errors: those of pulsar_producer_send_async, PULSAR_ERR_TIMEOUT, broker
 * errors, PULSAR_ERR_INVALID_STATE from a callback.
 */
pulsar_result pulsar_producer_send(pulsar_producer *producer,
                                   const pulsar_outgoing_message *message,
                                   pulsar_message_id *id_out);

/*
 * Sends any batch being filled and waits until every message queued before
 * the call is complete, that is persisted or failed. With send_timeout_ms 0
 * and no broker this waits without limit. Returns PULSAR_OK, or an error that
 * a message completed with during the wait.
 * Errors: PULSAR_ERR_CLOSED, PULSAR_ERR_INVALID_STATE from a callback.
 */
pulsar_result pulsar_producer_flush(pulsar_producer *producer);

/* Returns the producer's name (chosen by the caller or the broker); valid until close. */
const char *pulsar_producer_name(const pulsar_producer *producer);

/* Returns the sequence id of the last message queued (-1 before the first). */
int64_t pulsar_producer_last_sequence_id(const pulsar_producer *producer);

/*
 * Flushes the producer (waiting up to operation_timeout_ms), fails what is
 * still pending with PULSAR_ERR_CLOSED, deregisters from the broker and frees
 * the producer. Returns PULSAR_OK or the flush error. NULL is allowed.
 * Threads blocked in pulsar_producer_send or pulsar_producer_flush of this
 * producer return PULSAR_ERR_CLOSED before it is freed. Starting any call on
 * the producer once close has begun is invalid.
 * Must not be called from a callback (returns PULSAR_ERR_INVALID_STATE there
 * without freeing anything).
 */
pulsar_result pulsar_producer_close(pulsar_producer *producer);

/* ---------------------------------------------------------------- consumer */

typedef struct pulsar_consumer pulsar_consumer;

typedef enum {
    PULSAR_SUBSCRIPTION_EXCLUSIVE = 0,
    PULSAR_SUBSCRIPTION_SHARED = 1,
    PULSAR_SUBSCRIPTION_FAILOVER = 2,
    PULSAR_SUBSCRIPTION_KEY_SHARED = 3,
} pulsar_subscription_type;

typedef enum {
    PULSAR_POSITION_LATEST = 0,
    PULSAR_POSITION_EARLIEST = 1,
} pulsar_initial_position;

typedef struct {
    const char *topic;
    const char *subscription;
    pulsar_subscription_type type;            /* PULSAR_SUBSCRIPTION_EXCLUSIVE */
    const char *consumer_name;                /* NULL: the broker picks one */
    pulsar_initial_position initial_position; /* used when the subscription is created (LATEST) */
    uint32_t receiver_queue_size;   /* messages buffered per partition; permits are re-granted
                                       after half of them are received (1000) */
    uint32_t negative_ack_delay_ms; /* wait before a negatively acknowledged message is
                                       redelivered (1000) */
} pulsar_consumer_config;

/* Fills config with the defaults shown above and NULL topic and subscription. */
void pulsar_consumer_config_init(pulsar_consumer_config *config);

/*
 * Subscribes to config->topic (every partition of a partitioned topic) and
 * starts the flow of messages. Blocks up to operation_timeout_ms. On success
 * *consumer_out belongs to the caller until pulsar_consumer_close.
 * Errors: PULSAR_ERR_INVALID_ARGUMENT, PULSAR_ERR_TIMEOUT, connection errors,
 * broker errors (PULSAR_ERR_BROKER_CONSUMER_BUSY when an exclusive
 * subscription already has a consumer, or a subscription exists with another
 * type), PULSAR_ERR_INVALID_STATE from a callback.
 */
pulsar_result pulsar_consumer_subscribe(pulsar_client *client, const pulsar_consumer_config *config,
                                        pulsar_consumer **consumer_out);

/*
 * Waits up to timeout_ms (negative: without limit, 0: no wait) for the next
 * message. Messages of a batch arrive one by one, each with its own id.
 * Messages whose checksum does not match are dropped (and reported to the
 * broker and to the log callback), never returned. On success *message_out
 * belongs to the caller.
 * Errors: PULSAR_ERR_TIMEOUT, PULSAR_ERR_CLOSED, PULSAR_ERR_INVALID_STATE
 * from a callback.
 */
pulsar_result pulsar_consumer_receive(pulsar_consumer *consumer, int timeout_ms,
                                      pulsar_message **message_out);

/*
 * Acknowledges one message. A batch's entry is acknowledged to the broker
 * once every message of the batch is. Does not wait for the broker: the
 * I/O thread sends the acknowledgements gathered since its last loop
 * iteration together, in one ACK command, and closing the consumer sends
 * what is left first.
 * Errors: PULSAR_ERR_INVALID_ARGUMENT, PULSAR_ERR_CLOSED.
 */
pulsar_result pulsar_consumer_ack(pulsar_consumer *consumer, const pulsar_message_id *id);

/*
 * Acknowledges every message of ids (count of them) as pulsar_consumer_ack
 * does. The entries that become complete go out in one ACK command per
 * partition (with any others gathered at the time), so the broker applies
 * them together. A program that stores messages in groups (a lake file)
 * then never has a group half acknowledged. Either every id is taken or, on an error, none is.
 * Errors: PULSAR_ERR_INVALID_ARGUMENT (an id of no partition of this
 * consumer, or a bad batch index), PULSAR_ERR_CLOSED, PULSAR_ERR_NO_MEMORY.
 */
pulsar_result pulsar_consumer_ack_list(pulsar_consumer *consumer, const pulsar_message_id *ids,
                                       size_t count);

/*
 * Acknowledges id and every earlier message of its partition.
 * Errors: PULSAR_ERR_INVALID_ARGUMENT, PULSAR_ERR_CLOSED, PULSAR_ERR_INVALID_STATE on a
 * shared or key_shared subscription (the broker does not allow it there).
 */
pulsar_result pulsar_consumer_ack_cumulative(pulsar_consumer *consumer,
                                             const pulsar_message_id *id);

/*
 * Asks for id to be delivered again after negative_ack_delay_ms. On exclusive
 * and failover subscriptions the broker then redelivers every unacknowledged
 * message of the consumer, not only this one.
 * Errors: PULSAR_ERR_INVALID_ARGUMENT, PULSAR_ERR_CLOSED, PULSAR_ERR_NO_MEMORY.
 */
pulsar_result pulsar_consumer_negative_ack(pulsar_consumer *consumer, const pulsar_message_id *id);

/*
 * Asks the broker to deliver again every message received but not acknowledged.
 * Errors: PULSAR_ERR_CLOSED.
 */
pulsar_result pulsar_consumer_redeliver_unacknowledged(pulsar_consumer *consumer);

/* Returns the number of messages dropped because their checksum or layout was wrong. */
uint64_t pulsar_consumer_dropped_count(const pulsar_consumer *consumer);

/*
 * Deletes the subscription on the broker (the consumer must be its only one)
 * and closes the consumer as pulsar_consumer_close does. The consumer is
 * freed whatever the result.
 */
pulsar_result pulsar_consumer_unsubscribe(pulsar_consumer *consumer);

/*
 * Deregisters from the broker, frees the messages still buffered and the
 * consumer. Messages already returned stay valid. NULL is allowed.
 * Threads blocked in pulsar_consumer_receive of this consumer return
 * PULSAR_ERR_CLOSED before it is freed. Starting any call on the consumer
 * once close has begun is invalid.
 * Must not be called from a callback (returns PULSAR_ERR_INVALID_STATE there).
 */
pulsar_result pulsar_consumer_close(pulsar_consumer *consumer);

#endif
