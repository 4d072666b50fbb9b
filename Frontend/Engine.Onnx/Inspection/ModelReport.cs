namespace Engine.Onnx.Inspection;

/// <summary>What `engine inspect` reports about a model (serialized as-is for --format json).</summary>
public sealed record ModelReport
{
    public required string Path { get; init; }

    public long IrVersion { get; init; }

    public string Producer { get; init; } = "";

    public string ProducerVersion { get; init; } = "";

    public string GraphName { get; init; } = "";

    public required IReadOnlyList<OpsetEntry> Opsets { get; init; }

    public required IReadOnlyList<ValueEntry> Inputs { get; init; }

    public required IReadOnlyList<ValueEntry> Outputs { get; init; }

    /// <summary>Nodes in the file, subgraphs included.</summary>
    public int Nodes { get; init; }

    public int Subgraphs { get; init; }

    /// <summary>Per op type (qualified "domain::Op" outside ai.onnx), most frequent first.</summary>
    public required IReadOnlyList<OpEntry> Ops { get; init; }

    /// <summary>Initializers of every graph (the model's parameters).</summary>
    public required TensorStats Parameters { get; init; }

    /// <summary>Tensors held in Constant nodes (older exporters store weights this way).</summary>
    public required TensorStats ConstantNodes { get; init; }

    public required FlopSummary Flops { get; init; }

    /// <summary>Ops the engine does not define yet, as op@opset.</summary>
    public required IReadOnlyList<string> UnsupportedOps { get; init; }
}

public sealed record OpsetEntry(string Domain, long Version);

/// <summary>A graph input or output. Dims: a number, a symbol name, or null (unknown); Dims is null when the rank is unknown.</summary>
public sealed record ValueEntry(string Name, string ElementType, string Shape, IReadOnlyList<object?>? Dims);

/// <summary>One op type: how many nodes, and the FLOPs of those whose shapes are static.</summary>
public sealed record OpEntry(string Op, int Count, bool Supported, bool HasFlopRule, double Flops, int FlopsUnknownNodes);

public sealed record TensorStats(int Tensors, long Elements, long Bytes);

/// <summary>Total FLOPs over the nodes where it could be estimated, and how many nodes could not be.</summary>
public sealed record FlopSummary(double Total, int KnownNodes, int UnknownShapeNodes, int NoRuleNodes, string Convention);
