namespace Engine.Builder;

/// <summary>
/// A plain stack of layers over one input (Keras' Sequential). Each <see cref="Add"/> applies the layer
/// at once, so a shape mistake fails on that line with the layer's name and both shapes.
/// </summary>
public sealed class Sequential : Model, IEnumerable<Layer>
{
    private readonly SymbolicTensor _input;
    private SymbolicTensor _output;
    private readonly List<Layer> _stack = new();

    /// <param name="inputShape">Input shape without the batch dimension, e.g. (1, 28, 28).</param>
    public Sequential(long[] inputShape, string name = "sequential") : this(Input.Of(inputShape), name) { }

    public Sequential(SymbolicTensor input, string name = "sequential") : base([input], [input], name)
    {
        _input = input;
        _output = input;
    }

    public Sequential Add(Layer layer)
    {
        _output = layer.Call(_output);
        _stack.Add(layer);
        SetGraph([_input], [_output]);
        return this;
    }

    public IEnumerator<Layer> GetEnumerator() => _stack.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
