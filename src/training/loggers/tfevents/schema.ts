/**
 * The protobuf messages of a TensorBoard event file, as a protobufjs schema:
 * only the fields this project writes. Field numbers follow TensorFlow's
 * `event.proto`, `summary.proto`, `tensor.proto`, `tensor_shape.proto` and
 * TensorBoard's hparams plugin (`api.proto`, `plugin_data.proto`); the
 * `google.protobuf.Value` family is declared here under its own package
 * (the wire format does not carry type names). Fields read in camelCase.
 *
 * @example
 * const bytes = eventType.encode(eventType.create({ wallTime: 1.5, fileVersion: 'brain.Event:2' })).finish();
 */
import protobuf from 'protobufjs';

const proto = `
syntax = "proto3";
package tfevents;

message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    Summary summary = 5;
  }
}

message Summary {
  message Image {
    int32 height = 1;
    int32 width = 2;
    int32 colorspace = 3;
    bytes encoded_image_string = 4;
  }
  message Value {
    string tag = 1;
    SummaryMetadata metadata = 9;
    oneof value {
      float simple_value = 2;
      Image image = 4;
      TensorProto tensor = 8;
    }
  }
  repeated Value value = 1;
}

message SummaryMetadata {
  message PluginData {
    string plugin_name = 1;
    bytes content = 2;
  }
  PluginData plugin_data = 1;
  string display_name = 2;
  string summary_description = 3;
  DataClass data_class = 4;
}

enum DataClass {
  DATA_CLASS_UNKNOWN = 0;
  DATA_CLASS_SCALAR = 1;
  DATA_CLASS_TENSOR = 2;
  DATA_CLASS_BLOB_SEQUENCE = 3;
}

message TensorShapeProto {
  message Dim {
    int64 size = 1;
    string name = 2;
  }
  repeated Dim dim = 2;
  bool unknown_rank = 3;
}

// dtype: TensorFlow's DataType enum, 1 = DT_FLOAT, 7 = DT_STRING.
message TensorProto {
  int32 dtype = 1;
  TensorShapeProto tensor_shape = 2;
  int32 version_number = 3;
  bytes tensor_content = 4;
  repeated float float_val = 5 [packed = true];
  repeated bytes string_val = 8;
}

// google.protobuf.Value / ListValue / Struct, wire-compatible.
message Value {
  oneof kind {
    int32 null_value = 1;
    double number_value = 2;
    string string_value = 3;
    bool bool_value = 4;
    Struct struct_value = 5;
    ListValue list_value = 6;
  }
}
message ListValue {
  repeated Value values = 1;
}
message Struct {
  map<string, Value> fields = 1;
}

// TensorBoard's hparams plugin (tensorboard.hparams).
enum HParamDataType {
  DATA_TYPE_UNSET = 0;
  DATA_TYPE_STRING = 1;
  DATA_TYPE_BOOL = 2;
  DATA_TYPE_FLOAT64 = 3;
}
enum DatasetType {
  DATASET_UNKNOWN = 0;
  DATASET_TRAINING = 1;
  DATASET_VALIDATION = 2;
}
enum Status {
  STATUS_UNKNOWN = 0;
  STATUS_SUCCESS = 1;
  STATUS_FAILURE = 2;
  STATUS_RUNNING = 3;
}
message Interval {
  double min_value = 1;
  double max_value = 2;
}
message HParamInfo {
  string name = 1;
  string display_name = 2;
  string description = 3;
  HParamDataType type = 4;
  oneof domain {
    ListValue domain_discrete = 5;
    Interval domain_interval = 6;
  }
}
message MetricName {
  string group = 1;
  string tag = 2;
}
message MetricInfo {
  MetricName name = 1;
  string display_name = 3;
  string description = 4;
  DatasetType dataset_type = 5;
}
message Experiment {
  string description = 1;
  string user = 2;
  double time_created_secs = 3;
  repeated HParamInfo hparam_infos = 4;
  repeated MetricInfo metric_infos = 5;
  string name = 6;
}
message SessionStartInfo {
  map<string, Value> hparams = 1;
  string model_uri = 2;
  string monitor_url = 3;
  string group_name = 4;
  double start_time_secs = 5;
}
message SessionEndInfo {
  Status status = 1;
  double end_time_secs = 2;
}
message HParamsPluginData {
  int32 version = 1;
  oneof data {
    Experiment experiment = 2;
    SessionStartInfo session_start_info = 3;
    SessionEndInfo session_end_info = 4;
  }
}
`;

const root = protobuf.parse(proto).root;

/** `tensorflow.Event`: one record of an event file. */
export const eventType = root.lookupType('tfevents.Event');
/** `tensorflow.Summary`. */
export const summaryType = root.lookupType('tfevents.Summary');
/** `tensorboard.hparams.HParamsPluginData`: the content of an hparams summary's plugin data. */
export const hparamsPluginDataType = root.lookupType('tfevents.HParamsPluginData');

/** TensorFlow DataType values used here. */
export const DT_FLOAT = 1;

/** Enum values of the hparams plugin. */
export const hparamsEnums = {
  dataType: { unset: 0, string: 1, bool: 2, float64: 3 },
  status: { unknown: 0, success: 1, failure: 2, running: 3 },
} as const;

/** `DataClass` values of `SummaryMetadata`. */
export const dataClass = { unknown: 0, scalar: 1, tensor: 2, blobSequence: 3 } as const;
