using Engine.Graph;
using Engine.Runtime;

namespace Engine.Training;

/// <summary>One state slot of an update rule and its value before the first step.</summary>
/// <param name="Scalar">One value per parameter instead of one per element (Nadam's μ product).</param>
public sealed record SlotSpec(string Name, float Initial = 0, bool Scalar = false);

/// <summary>
/// An optimizer: which ai.engine update op the train step uses for every parameter, its state slots
/// and its hyperparameters (op attributes). The rule itself is the op (Graph/Ops/Optim); this record
/// only says how to wire it. Defaults are PyTorch's.
/// </summary>
public sealed record Optimizer(string Name, string OpType, double DefaultLr, IReadOnlyList<SlotSpec> Slots, IReadOnlyDictionary<string, object> Attributes)
{
    /// <summary>Names accepted by <see cref="Create"/> (and the CLI's --optimizer).</summary>
    public static readonly string[] Names = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "adamw", "nadam", "yogi"];

    public static Optimizer Sgd() => new("sgd", "SGDUpdate", 0.01, [], Attrs());

    public static Optimizer Momentum(float momentum = 0.9f, bool nesterov = false, float dampening = 0) =>
        new(nesterov ? "nesterov" : "momentum", "MomentumUpdate", 0.01, [new("velocity")],
            Attrs(("momentum", momentum), ("nesterov", nesterov ? 1L : 0L), ("dampening", dampening)));

    public static Optimizer Adagrad(float initialAccumulator = 0, float lrDecay = 0) =>
        new("adagrad", "AdagradUpdate", 0.01, [new("sum_sq", initialAccumulator)], Attrs(("lr_decay", lrDecay)));

    public static Optimizer RmsProp(float alpha = 0.99f, float epsilon = 1e-8f) =>
        new("rmsprop", "RMSpropUpdate", 0.01, [new("sq_avg")], Attrs(("alpha", alpha), ("epsilon", epsilon)));

    public static Optimizer Adadelta(float rho = 0.9f, float epsilon = 1e-6f) =>
        new("adadelta", "AdadeltaUpdate", 1.0, [new("sq_avg"), new("delta_avg")], Attrs(("rho", rho), ("epsilon", epsilon)));

    public static Optimizer Adam(float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f) =>
        new("adam", "AdamUpdate", 0.001, [new("m"), new("v")], Attrs(("beta1", beta1), ("beta2", beta2), ("epsilon", epsilon)));

    public static Optimizer AdamW(float weightDecay = 0.01f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f) =>
        new("adamw", "AdamWUpdate", 0.001, [new("m"), new("v")],
            Attrs(("beta1", beta1), ("beta2", beta2), ("epsilon", epsilon), ("weight_decay", weightDecay)));

    public static Optimizer Nadam(float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float momentumDecay = 0.004f) =>
        new("nadam", "NadamUpdate", 0.002, [new("m"), new("v"), new("mu_product", 1, Scalar: true)],
            Attrs(("beta1", beta1), ("beta2", beta2), ("epsilon", epsilon), ("momentum_decay", momentumDecay)));

    /// <summary>Yogi with the paper's ε = 1e-3 and v₀ = 1e-6.</summary>
    public static Optimizer Yogi(float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-3f, float initialV = 1e-6f) =>
        new("yogi", "YogiUpdate", 0.01, [new("m"), new("v", initialV)], Attrs(("beta1", beta1), ("beta2", beta2), ("epsilon", epsilon)));

    /// <summary>The optimizer called <paramref name="name"/> with default hyperparameters.</summary>
    public static Optimizer Create(string name) => name switch
    {
        "sgd" => Sgd(),
        "momentum" => Momentum(),
        "nesterov" => Momentum(nesterov: true),
        "adagrad" => Adagrad(),
        "rmsprop" => RmsProp(),
        "adadelta" => Adadelta(),
        "adam" => Adam(),
        "adamw" => AdamW(),
        "nadam" => Nadam(),
        "yogi" => Yogi(),
        _ => throw new EngineException($"unknown optimizer '{name}' (expected one of {string.Join(", ", Names)})"),
    };

    /// <summary>The update op's schema (ai.engine domain).</summary>
    public OpSchema Schema => OpRegistry.Default.Get(OpRegistry.EngineDomain, OpType);

    private static Dictionary<string, object> Attrs(params (string, object)[] kv) => kv.ToDictionary(p => p.Item1, p => p.Item2);
}
