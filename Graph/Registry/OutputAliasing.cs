namespace Engine.Graph;

/// <summary>
/// How an op's output may share bytes with its inputs, so the memory planner can emit nothing for it
/// instead of a copy. A registry fact, read by the planner instead of a list of op names.
/// </summary>
public enum OutputAliasing
{
    /// <summary>The output is computed into its own bytes.</summary>
    None = 0,

    /// <summary>Output 0 holds input 0's elements in the same order under another shape
    /// (Reshape, Flatten, Squeeze, Unsqueeze, Identity): it can be the very same bytes.</summary>
    ViewOfInput0 = 1,

    /// <summary>Output 0 is the inputs laid end to end along the 'axis' attribute (Concat): when the
    /// slices are contiguous, each input can be computed straight into its slice.</summary>
    ConcatOfInputs = 2,
}
