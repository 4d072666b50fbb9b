namespace Engine.Passes;

/// <summary>The optimization pipelines, as explicit ordered lists of passes.</summary>
public static class Pipelines
{
    public static IReadOnlyList<IPass> ForLevel(int level, IReadOnlyDictionary<string, int[]>? inputShapes = null)
    {
        if (level is < 0 or > 3) throw new Runtime.EngineException($"optimization level must be 0–3, got {level}");
        var all = new List<IPass>
        {
            new ShapeInference(inputShapes),
            CastLikeLowering.Create(),
            new ConstantFolding(),
            SimplifyRules.Create(),
            new CommonSubexpressionElimination(),
            ActivationPatterns.Create(),
            NormalizationPatterns.Create(),
            SoftmaxPatterns.Create(),
            AttentionPatterns.Create(),
            InferenceLoweringRules.Create(),
            new ConstantFolding(),
            new NchwcLayout(),
            new DeadCodeElimination(),
            new ShapeInference(),
            new OperatorFusion(),
        };
        return all.Where(p => p.Level <= level).ToList();
    }

    /// <summary>Every pass name, for --disable-pass validation and help.</summary>
    public static IEnumerable<string> PassNames => ForLevel(3).Select(p => p.Name).Distinct();
}
