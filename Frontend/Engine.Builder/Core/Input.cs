using Engine.Graph;
using Engine.Runtime;

namespace Engine.Builder;

/// <summary>Creates model inputs. The shape excludes the batch dimension, which is symbolic ("N").</summary>
public static class Input
{
    public static SymbolicTensor Of(params long[] shape) => Of(DataType.Float, shape);

    public static SymbolicTensor Of(DataType type, params long[] shape) => Named(null, type, shape);

    public static SymbolicTensor Named(string? name, DataType type, params long[] shape)
    {
        foreach (var d in shape)
            if (d <= 0) throw new BuildException($"input{(name is null ? "" : $" '{name}'")}: dims (without the batch) must be positive, got [{string.Join(",", shape)}]");
        var dims = new Dim[shape.Length + 1];
        dims[0] = Dim.Sym("N");
        for (int i = 0; i < shape.Length; i++) dims[i + 1] = shape[i];
        return new SymbolicTensor(null, 0, new TensorType(type, dims), name);
    }
}
