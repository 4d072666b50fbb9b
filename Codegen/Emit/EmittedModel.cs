using Engine.Runtime;

namespace Engine.Codegen;

/// <summary>A graph input or output as the compiled model sees it: name, element type, static shape.</summary>
public sealed record TensorSignature(string Name, DataType Type, int[] Shape);

/// <summary>
/// The emitter's result: the C# source of one class plus what its constructor needs at run time: the
/// weights (graph initializers, packed data, tensor attributes) and, only for reference kernels that are
/// not public static methods of Engine.Runtime, their delegates. Weights never appear in the source, so
/// models differing only in weight values share it.
/// </summary>
public sealed class EmittedModel
{
    internal EmittedModel(string source, IReadOnlyList<TensorSignature> inputs, IReadOnlyList<TensorSignature> outputs,
        Tensor[] weights, Kernel[] kernels, CodegenReport report, long arenaLength)
    {
        Source = source;
        Inputs = inputs;
        Outputs = outputs;
        Weights = weights;
        Kernels = kernels;
        Report = report;
        ArenaLength = arenaLength;
    }

    /// <summary>Full name of the generated class: <c>new CompiledGraph(Tensor[] weights, Kernel[] kernels, int threads)</c>.</summary>
    public const string TypeName = "Engine.Generated.CompiledGraph";

    public string Source { get; }

    public IReadOnlyList<TensorSignature> Inputs { get; }

    public IReadOnlyList<TensorSignature> Outputs { get; }

    /// <summary>The constructor's first argument, in order.</summary>
    public Tensor[] Weights { get; }

    /// <summary>The constructor's second argument: delegates of reference kernels not callable by name (empty for a standalone class).</summary>
    public Kernel[] Kernels { get; }

    /// <summary>Bytes of the arena one Run needs (plan + scratch + alignment slack): the class's <c>ArenaLength</c>.</summary>
    public long ArenaLength { get; }

    public CodegenReport Report { get; }
}
