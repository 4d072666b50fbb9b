using Engine.Graph;

namespace Engine.Passes;

/// <summary>How <see cref="Autodiff.Differentiate"/> presents its result.</summary>
public sealed record AutodiffOptions
{
    /// <summary>Also add each gradient as a graph output named <see cref="OutputPrefix"/> + the value's name.</summary>
    public bool ExposeGradients { get; init; }

    public string OutputPrefix { get; init; } = "grad_";

    /// <summary>
    /// The gradient flowing into the loss (a vector-Jacobian product's cotangent), with the loss's shape;
    /// null means 1, i.e. the gradient of the loss itself.
    /// </summary>
    public Value? Seed { get; init; }
}
