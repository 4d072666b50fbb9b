namespace Engine.Runtime;

/// <summary>
/// A reference kernel: computes an op's outputs from its inputs. Absent optional inputs are null.
/// The returned array has <see cref="KernelContext.OutputCount"/> entries; an entry may be null
/// only for an optional output the kernel does not produce.
/// </summary>
public delegate Tensor?[] Kernel(KernelContext ctx, Tensor?[] inputs);

/// <summary>What a kernel knows about the op instance it runs.</summary>
public sealed class KernelContext
{
    public KernelContext(AttributeMap attributes, int outputCount, string nodeName)
    {
        Attributes = attributes;
        OutputCount = outputCount;
        NodeName = nodeName;
    }

    public AttributeMap Attributes { get; }

    /// <summary>Number of outputs the graph declares for this node (optional trailing ones may be omitted).</summary>
    public int OutputCount { get; }

    /// <summary>Node name, for error messages.</summary>
    public string NodeName { get; }

    /// <summary>Worker threads the kernel may use (1 = sequential).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Seed for ops with randomness (Dropout in training mode, RandomNormal, …).</summary>
    public Random Random { get; init; } = new(0);

    /// <summary>Throws a one-line error naming the node.</summary>
    public EngineException Fail(string message) => new($"node '{NodeName}': {message}");
}
