using Engine.Runtime;

namespace Engine.Builder;

/// <summary>Creates a parameter's first value. Fan-in/fan-out are given by the layer (they depend on its layout).</summary>
public interface IInitializer
{
    Tensor Create(int[] shape, int fanIn, int fanOut, Random rng);
}
