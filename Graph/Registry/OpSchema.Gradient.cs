namespace Engine.Graph;

/// <summary>The autodiff facts of an op: its gradient rule, or why no gradient flows through it.</summary>
public sealed partial class OpSchema
{
    private HashSet<int>? _nonDifferentiableInputs;
    private bool _allInputsNonDifferentiable;

    /// <summary>The reverse-mode rule (null when the op has none).</summary>
    public GradientRule? GradientRule { get; private set; }

    public bool HasGradient => GradientRule is not null;

    /// <summary>
    /// The op's derivative is zero wherever it exists (comparisons, Floor, Sign, ArgMax, Shape…): gradients
    /// stop here without error and autodiff needs no rule.
    /// </summary>
    public bool HasZeroGradient { get; private set; }

    public OpSchema Gradient(GradientRule rule)
    {
        GradientRule = rule;
        return this;
    }

    /// <summary>See <see cref="HasZeroGradient"/>.</summary>
    public OpSchema ZeroGradient()
    {
        HasZeroGradient = true;
        return this;
    }

    /// <summary>
    /// Inputs that are not differentiable arguments (shapes, indices, axes, sizes): no gradient is ever
    /// requested for them, so the rule need not produce one. With no indices, every input.
    /// </summary>
    public OpSchema NotDifferentiable(params int[] inputs)
    {
        if (inputs.Length == 0) _allInputsNonDifferentiable = true;
        else (_nonDifferentiableInputs ??= new()).UnionWith(inputs);
        return this;
    }

    /// <summary>Whether a gradient may flow into input <paramref name="i"/> (never into ops that read only shapes).</summary>
    public bool IsDifferentiableInput(int i) =>
        !HasZeroGradient && !_allInputsNonDifferentiable && !ReadsOnlyInputShapes && (_nonDifferentiableInputs is null || !_nonDifferentiableInputs.Contains(i));
}
