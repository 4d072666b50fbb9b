namespace Engine.Runtime.Kernels;

/// <summary>Input checks shared by the elementwise kernels.</summary>
public static class KernelInputs
{
    /// <summary>Input <paramref name="i"/>, failing with the node's name when absent.</summary>
    public static Tensor Required(KernelContext ctx, Tensor?[] inputs, int i) =>
        i < inputs.Length && inputs[i] is { } t ? t : throw ctx.Fail($"input {i} is required");

    /// <summary>All present inputs of a variadic op; at least one is required.</summary>
    public static Tensor[] Variadic(KernelContext ctx, Tensor?[] inputs)
    {
        var list = inputs.Where(t => t is not null).Select(t => t!).ToArray();
        if (list.Length == 0) throw ctx.Fail("needs at least one input");
        return list;
    }
}
