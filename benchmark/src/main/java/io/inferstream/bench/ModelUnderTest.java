package io.inferstream.bench;

import io.inferstream.job.InferenceJobConfig;
import io.inferstream.local.RepositoryPublisher;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.ModelVersionSpec;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.configuration.Configuration;

/** The model being load-tested, as the job would load it, and the request sent to it. */
record ModelUnderTest(
    InferenceJobConfig jobConfig,
    ModelSpec spec,
    ModelVersionSpec version,
    RequestPayload request) {

  static ModelUnderTest load(BenchmarkSettings settings) {
    Configuration jobConf = new Configuration();
    settings.jobOptions().forEach(jobConf::setString);
    InferenceJobConfig jobConfig = InferenceJobConfig.from(jobConf);
    List<ModelSpec> specs = RepositoryPublisher.read(settings.repository());
    ModelSpec spec =
        specs.stream().filter(s -> s.name().equals(settings.model())).findFirst().orElse(null);
    if (spec == null) {
      List<String> names = specs.stream().map(ModelSpec::name).toList();
      throw new SetupException(
          "model '"
              + settings.model()
              + "' is not in "
              + settings.repository()
              + " (it has "
              + names
              + ")");
    }
    ModelVersionSpec version = spec.resolve(null);
    RequestPayload request =
        RequestPayload.create(
            settings.model(), version.inputs(), settings.rows(), settings.format());
    return new ModelUnderTest(jobConfig, spec, version, request);
  }

  Path artifact() {
    return Path.of(URI.create(version.artifactUri()));
  }
}
