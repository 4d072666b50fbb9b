using Engine.Graph;
using Engine.Runtime;

namespace Engine.Codegen;

/// <summary>A graph input or output as the compiled model sees it: name, element type, static shape.</summary>
public sealed record TensorSignature(string Name, DataType Type, int[] Shape);

/// <summary>
/// The emitter's result: the C# source of one class plus what its constructor needs at run time
/// (weights, fallback kernels and their contexts). Nothing model-specific is baked into the
/// source but shapes, op structure and small constants, so models differing only in weights share it.
/// </summary>
public sealed class EmittedModel
{
    internal EmittedModel(string source, IReadOnlyList<TensorSignature> inputs, IReadOnlyList<TensorSignature> outputs,
        Tensor[] weights, Kernel[] kernels, KernelContext[] contexts, CodegenReport report)
    {
        Source = source;
        Inputs = inputs;
        Outputs = outputs;
        Weights = weights;
        Kernels = kernels;
        Contexts = contexts;
        Report = report;
    }

    public const string TypeName = "Engine.Generated.CompiledGraph";

    public string Source { get; }

    public IReadOnlyList<TensorSignature> Inputs { get; }

    public IReadOnlyList<TensorSignature> Outputs { get; }

    internal Tensor[] Weights { get; }

    internal Kernel[] Kernels { get; }

    internal KernelContext[] Contexts { get; }

    public CodegenReport Report { get; }
}
