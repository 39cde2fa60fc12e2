namespace GlobalBrain.Client.Export;

/// <summary>The file format of an exported dataset.</summary>
public enum DatasetFormat
{
    /// <summary>Apache Parquet: <c>id</c>, <c>chunk</c>, <c>input_ids</c> (list&lt;int32&gt;), <c>attention_mask</c> (list&lt;int8&gt;).</summary>
    Parquet,

    /// <summary>JSON Lines: one <c>{"id","chunk","input_ids","attention_mask"}</c> object per line.</summary>
    Jsonl,
}
