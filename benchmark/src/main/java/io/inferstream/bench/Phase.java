package io.inferstream.bench;

/** The parts of a run, in the order they run. */
enum Phase {
  PIPELINE,
  HOSTILE,
  RAW,
  PASSTHROUGH
}
