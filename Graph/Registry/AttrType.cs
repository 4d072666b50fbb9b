namespace Engine.Graph;

/// <summary>Attribute kinds (the ONNX ones we carry).</summary>
public enum AttrType
{
    Int,
    Float,
    String,
    Tensor,
    Graph,
    Ints,
    Floats,
    Strings,
    Tensors,
    Graphs,
}
