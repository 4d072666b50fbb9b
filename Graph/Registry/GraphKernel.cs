using Engine.Runtime;

namespace Engine.Graph;

/// <summary>
/// A kernel for ops that run subgraphs (If, Loop, Scan). It receives a way to execute a subgraph
/// of its node in the current scope, so captured outer values resolve.
/// </summary>
public delegate Tensor?[] GraphKernel(GraphKernelContext ctx, Tensor?[] inputs);

public sealed class GraphKernelContext
{
    public GraphKernelContext(KernelContext kernel, Node node, Func<Graph, Tensor?[], Tensor?[]> runSubgraph)
    {
        Kernel = kernel;
        Node = node;
        RunSubgraph = runSubgraph;
    }

    public KernelContext Kernel { get; }

    public AttributeMap Attributes => Kernel.Attributes;

    public Node Node { get; }

    /// <summary>Runs a subgraph with the given graph inputs; returns its outputs in order.</summary>
    public Func<Graph, Tensor?[], Tensor?[]> RunSubgraph { get; }

    public Graph GetGraph(string attribute) => Node.Attributes.Get(attribute) as Graph
        ?? throw Kernel.Fail($"attribute '{attribute}' should be a graph");
}
