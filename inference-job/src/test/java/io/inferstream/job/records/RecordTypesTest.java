package io.inferstream.job.records;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.CompositeType;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.ObjectArrayTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Records in flight are Flink POJOs all the way down: no Kryo fallback on the hot path. */
class RecordTypesTest {

  @ParameterizedTest
  @ValueSource(
      classes = {
        RawRequest.class,
        ServingRequest.class,
        Batch.class,
        OutboundRecord.class,
        TensorData.class,
        ServingTarget.class,
        RegistryUpdate.class
      })
  void isAPojoWithoutGenericFields(Class<?> type) {
    TypeInformation<?> info = TypeInformation.of(type);
    assertThat(info).isInstanceOf(PojoTypeInfo.class);
    assertNoGenericTypes(info, type.getSimpleName());
  }

  private static void assertNoGenericTypes(TypeInformation<?> info, String path) {
    assertThat(info).as(path).isNotInstanceOf(GenericTypeInfo.class);
    if (info instanceof CompositeType<?> composite) {
      for (int i = 0; i < composite.getArity(); i++) {
        assertNoGenericTypes(composite.getTypeAt(i), path + "." + composite.getFieldNames()[i]);
      }
    } else if (info instanceof ObjectArrayTypeInfo<?, ?> array) {
      assertNoGenericTypes(array.getComponentInfo(), path + "[]");
    }
  }

  @Test
  void batchHoldsServingRequestsAsPojos() {
    PojoTypeInfo<?> batch = (PojoTypeInfo<?>) TypeInformation.of(Batch.class);
    TypeInformation<?> requests = batch.getTypeAt(batch.getFieldIndex("requests"));
    assertThat(((ObjectArrayTypeInfo<?, ?>) requests).getComponentInfo())
        .isInstanceOf(PojoTypeInfo.class);
  }
}
