namespace Engine.Graph;

/// <summary>Shapes of rule that many ops share, so op files state only the math.</summary>
public static class GradientRules
{
    /// <summary>A unary elementwise op: dX = dY · f′, with f′ built from the node by <paramref name="derivative"/>.</summary>
    public static GradientRule Elementwise(Func<GradientContext, Value> derivative) =>
        g => g.SetGrad(0, g.Op("Mul", g.dY(0), derivative(g)));

    /// <summary>Ops that only move or copy elements of input 0 (the gradient is the same move run backwards, built by <paramref name="adjoint"/>).</summary>
    public static GradientRule Linear(Func<GradientContext, Value, Value> adjoint) =>
        g => g.SetGrad(0, adjoint(g, g.dY(0)!));

    /// <summary>dX = dY (Identity, and ops that are the identity on values).</summary>
    public static readonly GradientRule PassThrough = g => g.SetGrad(0, g.dY(0)!);
}
