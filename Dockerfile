# The Permafrost image for a Flink cluster: the official Flink 1.20.1 image (Java 17) plus the job
# jar. Build the jar first, then the image:
#   mvn -B package -DskipTests          # writes target/permafrost-job.jar
#   docker build -t permafrost:0.1.0 .
# docker-compose.yml builds it for the laptop cluster; k8s/flinkdeployment.yaml runs it with the
# Flink Kubernetes operator.
FROM flink:1.20.1-java17

# Flink's S3 filesystem ships in opt/ and is only used once it sits in plugins/ (it is loaded in
# its own class loader there, so its Hadoop and AWS SDK never meet the job's). Permafrost writes
# checkpoints, savepoints, HA metadata and Parquet files through it (s3://), and the exactly-once
# FileSink needs this one: flink-s3-fs-presto has no recoverable writer.
RUN mkdir -p /opt/flink/plugins/s3-fs-hadoop \
    && cp /opt/flink/opt/flink-s3-fs-hadoop-*.jar /opt/flink/plugins/s3-fs-hadoop/

# The job jar (the shaded jar without the classes Flink already has). usrlib/ is where
# application mode looks for user jars: 'standalone-job' (docker-compose.yml) puts it on the user
# class path, and k8s/flinkdeployment.yaml names it as local:///opt/flink/usrlib/permafrost.jar.
COPY --chown=flink:flink target/permafrost-job.jar /opt/flink/usrlib/permafrost.jar

# Flink's configuration for this image (standard YAML; Flink 1.20 reads config.yaml only when no
# legacy flink-conf.yaml exists, and the image has none). The Kubernetes operator mounts its own
# config.yaml over this directory, built from the FlinkDeployment's flinkConfiguration.
COPY --chown=flink:flink flink-conf/config.yaml /opt/flink/conf/config.yaml
