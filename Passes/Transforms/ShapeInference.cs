using Engine.Graph;
using Engine.Runtime;

namespace Engine.Passes;

/// <summary>
/// Propagates element types and shapes (symbolic dims included). With fixed input shapes from the
/// user (--shape name=1x3x224x224) it first specializes the inputs, so later passes see static shapes.
/// </summary>
public sealed class ShapeInference : IPass
{
    public ShapeInference(IReadOnlyDictionary<string, int[]>? inputShapes = null) => InputShapes = inputShapes ?? new Dictionary<string, int[]>();

    public IReadOnlyDictionary<string, int[]> InputShapes { get; }

    public string Name => "shape-inference";

    public int Level => 0;

    public bool Run(Graph.Graph graph, PassContext context)
    {
        foreach (var (name, shape) in InputShapes)
        {
            var v = graph.Inputs.FirstOrDefault(x => x.Name == name)
                ?? throw new EngineException($"--shape names '{name}', which is not a graph input (inputs: {string.Join(", ", graph.Inputs.Select(x => x.Name))})");
            if (v.Type.Dims is { } dims)
            {
                if (dims.Length != shape.Length)
                    throw new EngineException($"--shape {name}: rank {shape.Length} but the input has rank {dims.Length} {v.Type.ShapeText}");
                for (int i = 0; i < dims.Length; i++)
                {
                    if (dims[i].IsKnown && dims[i].Value != shape[i])
                        throw new EngineException($"--shape {name}: dim {i} is {shape[i]} but the model fixes it to {dims[i].Value}");
                }
            }
            v.Type = new TensorType(v.Type.Elem, shape.Select(d => Dim.Of(d)).ToArray());
        }
        var before = Snapshot(graph);
        TypePropagation.Run(graph);
        return !before.SequenceEqual(Snapshot(graph));
    }

    private static List<TensorType> Snapshot(Graph.Graph g) =>
        g.AllNodes().SelectMany(n => n.Outputs).Select(v => v?.Type ?? TensorType.Unknown()).ToList();
}
