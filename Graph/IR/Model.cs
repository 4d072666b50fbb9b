namespace Engine.Graph;

/// <summary>A graph plus the metadata a model file carries.</summary>
public sealed class Model
{
    public Model(Graph graph) => Graph = graph;

    public Graph Graph { get; set; }

    /// <summary>Opset versions the source model imported, by domain ("" = ai.onnx).</summary>
    public Dictionary<string, long> Opsets { get; } = new();

    public string ProducerName { get; set; } = "";

    public string ProducerVersion { get; set; } = "";

    public string DocString { get; set; } = "";

    /// <summary>Where the model came from (a path), for error messages.</summary>
    public string Source { get; set; } = "model";
}
