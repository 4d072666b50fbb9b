namespace Engine.Graph;

/// <summary>
/// An op's reverse-mode rule: reads the forward node (<see cref="GradientContext.X"/>, <see cref="GradientContext.Y"/>)
/// and the incoming output gradients (<see cref="GradientContext.dY"/>), appends backward nodes through the
/// context's builder and hands each needed input gradient to <see cref="GradientContext.SetGrad"/>.
/// Rules are written in registered ops so the backward graph is optimizable and exportable like any other.
/// </summary>
public delegate void GradientRule(GradientContext g);
