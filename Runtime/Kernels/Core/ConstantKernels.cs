namespace Engine.Runtime.Kernels;

/// <summary>Kernels for Identity and Constant.</summary>
public static class ConstantKernels
{
    public static Tensor?[] Identity(KernelContext ctx, Tensor?[] inputs) =>
        [inputs[0] ?? throw ctx.Fail("input 0 is required")];

    /// <summary>Constant: exactly one of the value* attributes is set.</summary>
    public static Tensor?[] Constant(KernelContext ctx, Tensor?[] inputs) => [ConstantValue(ctx.Attributes, ctx.NodeName)];

    public static Tensor ConstantValue(AttributeMap a, string node)
    {
        var set = new[] { "value", "value_float", "value_floats", "value_int", "value_ints", "value_string", "value_strings", "sparse_value" }
            .Where(a.HasExplicit).ToArray();
        if (set.Length != 1)
            throw new EngineException($"node '{node}' (Constant): exactly one value attribute must be set, found {set.Length}");
        return set[0] switch
        {
            "value" or "sparse_value" => a.GetTensor(set[0]),
            "value_float" => Tensor.Scalar(a.GetFloat("value_float")),
            "value_floats" => Tensor.FromArray(a.GetFloats("value_floats"), a.GetFloats("value_floats").Length),
            "value_int" => Tensor.Scalar(a.GetInt("value_int")),
            "value_ints" => Tensor.FromArray(a.GetInts("value_ints"), a.GetInts("value_ints").Length),
            "value_string" => Tensor.Scalar(a.GetString("value_string")),
            _ => Tensor.FromArray(a.GetStrings("value_strings"), a.GetStrings("value_strings").Length),
        };
    }
}
