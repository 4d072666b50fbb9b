using Engine.Runtime;

namespace Engine.Builder;

/// <summary>
/// A tensor a layer owns: a weight (learned, counted in the summary like PyTorch's parameters) or a
/// buffer (state such as BatchNormalization's running statistics, updated in training but not by the
/// optimizer). Data is created by the initializer on first use from a seed, or loaded from another model.
/// </summary>
public sealed class Parameter
{
    internal Parameter(Layer owner, string name, int[] shape, IInitializer initializer, int fanIn, int fanOut, bool isBuffer)
    {
        Owner = owner;
        LocalName = name;
        Shape = shape;
        Initializer = initializer;
        FanIn = fanIn;
        FanOut = fanOut;
        IsBuffer = isBuffer;
    }

    public Layer Owner { get; }

    /// <summary>The name inside its layer, e.g. "kernel", "bias", "running_mean".</summary>
    public string LocalName { get; }

    /// <summary>Graph-wide name: "layer.local".</summary>
    public string Name => $"{Owner.Name}.{LocalName}";

    public int[] Shape { get; }

    public IInitializer Initializer { get; set; }

    public int FanIn { get; }

    public int FanOut { get; }

    /// <summary>State, not a learned weight: never given to the optimizer, not counted as a parameter.</summary>
    public bool IsBuffer { get; }

    /// <summary>Learned by the optimizer: a weight of a trainable layer.</summary>
    public bool IsTrainable => !IsBuffer && Owner.Trainable;

    public long Count => Tensor.ElementCount(Shape);

    /// <summary>The current value; null until initialized.</summary>
    public Tensor? Data { get; private set; }

    /// <summary>Sets the value (checked against the shape), e.g. after training or when transferring weights.</summary>
    public void Assign(Tensor value)
    {
        if (value.Type != DataType.Float || !value.Shape.AsSpan().SequenceEqual(Shape))
            throw new BuildException($"parameter '{Name}': expected float{Tensor.ShapeString(Shape)}, got {value}");
        Data = value;
    }

    /// <summary>Creates the value from the initializer unless it already has one.</summary>
    public Tensor Materialize(int seed)
    {
        if (Data is null)
        {
            var rng = new Random(StableSeed(seed, Name));
            Data = Initializer.Create(Shape, FanIn, FanOut, rng);
        }
        return Data;
    }

    /// <summary>A seed that depends on the model seed and the parameter's name only (not on creation order).</summary>
    private static int StableSeed(int seed, string name)
    {
        unchecked
        {
            uint h = 2166136261u ^ (uint)seed;
            foreach (char c in name) h = (h ^ c) * 16777619u;
            return (int)(h & 0x7fffffff);
        }
    }

    public override string ToString() => $"{Name}: float{Tensor.ShapeString(Shape)}{(IsBuffer ? " (buffer)" : "")}";
}
