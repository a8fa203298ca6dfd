package io.inferstream.job;

import io.inferstream.job.InferenceOptions.DeliveryGuarantee;
import io.inferstream.job.kafka.KafkaReplyTopics;
import io.inferstream.job.kafka.OutboundRecordSerializer;
import io.inferstream.job.kafka.RawRequestDeserializer;
import io.inferstream.job.kafka.RegistryUpdateDeserializer;
import io.inferstream.job.kafka.TopicLimitsCheck;
import io.inferstream.job.model.ModelSpecs;
import io.inferstream.job.operators.BatchInferenceFunction;
import io.inferstream.job.operators.MicroBatchOperator;
import io.inferstream.job.operators.ModelRouter;
import io.inferstream.job.operators.OperatorOutputs;
import io.inferstream.job.operators.RejectFilter;
import io.inferstream.job.operators.ReplyTopics;
import io.inferstream.job.operators.RequestDecoder;
import io.inferstream.job.operators.ShadowComparator;
import io.inferstream.job.records.Batch;
import io.inferstream.job.records.OutboundRecord;
import io.inferstream.job.records.RawRequest;
import io.inferstream.job.records.RegistryUpdate;
import io.inferstream.job.records.ServingRequest;
import io.inferstream.job.runtime.InferenceService;
import io.inferstream.topics.InferenceTopics;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The inference job: Kafka requests → decoder → keyBy model replica → router/validator →
 * micro-batcher → async ONNX Runtime inference → Kafka replies. Router, batcher and inference form
 * one chain, so the task manager that batches a request runs it.
 *
 * <p>{@link #build} takes its source and sinks as parameters, so tests run the real pipeline on
 * test inputs; {@link #main} wires the Kafka ones.
 */
public final class InferenceJob {
  public static final String JOB_NAME = "inferstream-inference";

  private InferenceJob() {}

  /** Creates the sinks the job writes to; {@code name} tells the reply sink from the rejects. */
  @FunctionalInterface
  public interface SinkFactory {
    Sink<OutboundRecord> create(String name);
  }

  public static void main(String[] args) throws Exception {
    Configuration conf = new Configuration();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    conf.addAll(Configuration.fromMap(env.getConfiguration().toMap()));
    conf.addAll(CommandLineOptions.parse(args));
    InferenceJobConfig config = InferenceJobConfig.from(conf);
    buildWithKafka(env, config);
    env.execute(JOB_NAME);
  }

  /**
   * Builds the job over the production parts: the Kafka sources and sinks of {@code config}, after
   * checking that its topics exist and take what the job may write ({@link TopicLimitsCheck}).
   */
  public static void buildWithKafka(StreamExecutionEnvironment env, InferenceJobConfig config) {
    TopicLimitsCheck.check(config);
    build(
        env,
        config,
        kafkaSource(config),
        registrySource(config),
        name -> kafkaSink(config, name),
        new KafkaReplyTopics(config.bootstrapServers(), config.replyTopicPattern()));
  }

  /**
   * Builds the job.
   *
   * @param source raw request records
   * @param registry model spec updates, broadcast to the decoder and the router
   */
  public static void build(
      StreamExecutionEnvironment env,
      InferenceJobConfig config,
      Source<RawRequest, ?, ?> source,
      Source<RegistryUpdate, ?, ?> registry,
      SinkFactory sinks,
      ReplyTopics replyTopics) {
    if (config.deliveryGuarantee() == DeliveryGuarantee.EXACTLY_ONCE
        && !env.getCheckpointConfig().isCheckpointingEnabled()) {
      throw new IllegalArgumentException(
          "inference.delivery-guarantee EXACTLY_ONCE needs checkpointing:"
              + " set execution.checkpointing.interval");
    }
    // Records are never changed after they are emitted, so chained operators may share them.
    env.getConfig().enableObjectReuse();
    if (env.getConfiguration().getOptional(ExecutionOptions.BUFFER_TIMEOUT).isEmpty()) {
      env.setBufferTimeout(1); // latency over the keyBy hop; Flink's 100 ms default would dominate
    }

    DataStream<RawRequest> raw =
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "requests").uid("requests");
    BroadcastStream<RegistryUpdate> specs =
        env.fromSource(registry, WatermarkStrategy.noWatermarks(), "model-registry")
            .setParallelism(1) // one partition; broadcast keeps its order per receiving task
            .uid("model-registry")
            .broadcast(ModelSpecs.DESCRIPTOR);

    SingleOutputStreamOperator<ServingRequest> decoded =
        raw.connect(specs)
            .process(
                new RequestDecoder(
                    new RequestDecoder.Settings(
                        config.replyTopic(),
                        config.replyTopicPattern(),
                        config.deadLetterTopic(),
                        config.requestMaxBytes(),
                        env.getParallelism(),
                        config.maxParallelism()),
                    replyTopics),
                TypeInformation.of(ServingRequest.class))
            .name("decode")
            .uid("decode");

    InferenceService.Settings serviceSettings = serviceSettings(config);
    SingleOutputStreamOperator<ServingRequest> routed =
        decoded
            .keyBy(request -> request.routingKey, Types.STRING)
            .connect(specs)
            .process(
                new ModelRouter(
                    InferenceService.sessions(serviceSettings),
                    config.unknownModelWait().toMillis()),
                TypeInformation.of(ServingRequest.class))
            .setMaxParallelism(config.maxParallelism())
            .name("route-and-validate")
            .uid("route-and-validate");

    SingleOutputStreamOperator<Batch> batches =
        DataStreamUtils.reinterpretAsKeyedStream(
                routed, request -> request.routingKey, Types.STRING)
            .transform(
                "micro-batch",
                TypeInformation.of(Batch.class),
                new MicroBatchOperator(config.metricsMaxModels()))
            .setMaxParallelism(config.maxParallelism())
            .uid("micro-batch");

    SingleOutputStreamOperator<OutboundRecord> replies =
        AsyncDataStream.unorderedWait(
                batches,
                new BatchInferenceFunction(
                    serviceSettings,
                    config.replyMaxBytes(),
                    config.passthrough(),
                    config.metricsMaxModels()),
                config.asyncTimeout().toMillis(),
                TimeUnit.MILLISECONDS,
                config.effectiveAsyncCapacity())
            .returns(TypeInformation.of(OutboundRecord.class))
            .setMaxParallelism(config.maxParallelism())
            .name("infer")
            .uid("infer");

    replies
        .transform(
            "shadow-compare",
            TypeInformation.of(OutboundRecord.class),
            new ShadowComparator(config.statusTopic()))
        .uid("shadow-compare")
        .sinkTo(sinks.create("replies"))
        .name("replies")
        .uid("replies-sink");

    decoded
        .getSideOutput(OperatorOutputs.REJECTED)
        .union(
            routed.getSideOutput(OperatorOutputs.REJECTED),
            batches.getSideOutput(OperatorOutputs.REJECTED))
        .filter(new RejectFilter())
        .name("count-rejects")
        .uid("count-rejects")
        .sinkTo(sinks.create("rejects"))
        .name("rejects")
        .uid("rejects-sink");
  }

  public static KafkaSource<RawRequest> kafkaSource(InferenceJobConfig config) {
    return KafkaSource.<RawRequest>builder()
        .setBootstrapServers(config.bootstrapServers())
        .setTopics(config.requestTopic())
        .setGroupId(config.groupId())
        .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
        .setDeserializer(new RawRequestDeserializer())
        .setProperty(
            "max.partition.fetch.bytes", Integer.toString(InferenceTopics.MAX_RECORD_BYTES))
        .setProperty("fetch.max.bytes", Integer.toString(4 * InferenceTopics.MAX_RECORD_BYTES))
        .setProperty("partition.discovery.interval.ms", "30000")
        .build();
  }

  /** The registry topic from its beginning: every spec, then every change as it happens. */
  public static KafkaSource<RegistryUpdate> registrySource(InferenceJobConfig config) {
    return KafkaSource.<RegistryUpdate>builder()
        .setBootstrapServers(config.bootstrapServers())
        .setTopics(config.registryTopic())
        .setGroupId(config.groupId() + "-registry")
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setDeserializer(new RegistryUpdateDeserializer())
        .setProperty("isolation.level", "read_committed")
        .setProperty("commit.offsets.on.checkpoint", "false")
        .build();
  }

  static InferenceService.Settings serviceSettings(InferenceJobConfig config) {
    return new InferenceService.Settings(
        config.inferenceThreads(),
        config.intraOpThreads(),
        config.artifactFetcher(),
        config.artifactCacheDir(),
        config.bootstrapServers(),
        config.statusTopic(),
        config.idleUnloadTimeout().toMillis(),
        config.memoryBudgetBytes(),
        config.memoryFactor(),
        config.asyncTimeout().toMillis(),
        InferenceService.FAILED_LOAD_RETRY_MILLIS);
  }

  public static KafkaSink<OutboundRecord> kafkaSink(InferenceJobConfig config, String name) {
    Properties producer = new Properties();
    producer.setProperty("linger.ms", "0"); // Kafka 4 defaults to 5 ms per hop
    producer.setProperty("max.request.size", Integer.toString(InferenceTopics.MAX_RECORD_BYTES));
    producer.setProperty(
        "transaction.timeout.ms", Long.toString(config.transactionTimeout().toMillis()));
    boolean exactlyOnce = config.deliveryGuarantee() == DeliveryGuarantee.EXACTLY_ONCE;
    return KafkaSink.<OutboundRecord>builder()
        .setBootstrapServers(config.bootstrapServers())
        .setRecordSerializer(new OutboundRecordSerializer())
        .setKafkaProducerConfig(producer)
        .setDeliveryGuarantee(
            exactlyOnce
                ? org.apache.flink.connector.base.DeliveryGuarantee.EXACTLY_ONCE
                : org.apache.flink.connector.base.DeliveryGuarantee.AT_LEAST_ONCE)
        .setTransactionalIdPrefix(config.transactionalIdPrefix() + "-" + name)
        .build();
  }
}
