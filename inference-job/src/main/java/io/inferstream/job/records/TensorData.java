package io.inferstream.job.records;

import io.inferstream.schemas.DataType;
import io.inferstream.schemas.Tensor;

/** A tensor in flight inside the job: canonical little-endian bytes (see {@link Tensor}). */
public class TensorData {
  public String name;
  public DataType datatype;
  public long[] shape;
  public byte[] data;

  public TensorData() {}

  public TensorData(String name, DataType datatype, long[] shape, byte[] data) {
    this.name = name;
    this.datatype = datatype;
    this.shape = shape;
    this.data = data;
  }

  public static TensorData of(Tensor tensor) {
    return new TensorData(tensor.name(), tensor.datatype(), tensor.shape(), tensor.data());
  }

  public Tensor toTensor() {
    return new Tensor(name, datatype, shape, data);
  }

  /** First dimension: the rows this tensor contributes to a batch. */
  public long rows() {
    return shape.length == 0 ? 1 : shape[0];
  }
}
