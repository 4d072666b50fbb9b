namespace Engine.Training;

/// <summary>Where training is when a learning rate is asked for: step counts updates from 0.</summary>
public readonly record struct ScheduleClock(long Step, int Epoch, long StepsPerEpoch, long TotalSteps);

/// <summary>
/// A learning-rate schedule: the lr of each update from the base lr and the clock. The value enters
/// the train-step graph as its scalar <c>lr</c> input, so changing it never recompiles anything.
/// Epoch-based schedules (step, exponential, inverse-time) follow the epoch; the others the step.
/// </summary>
public abstract record LrSchedule
{
    public abstract double At(double baseLr, ScheduleClock clock);

    /// <summary>Short text for logs (the same syntax <see cref="ScheduleParser"/> reads).</summary>
    public abstract string Describe();
}

/// <summary>The base lr, unchanged.</summary>
public sealed record ConstantSchedule : LrSchedule
{
    public override double At(double baseLr, ScheduleClock clock) => baseLr;

    public override string Describe() => "constant";
}

/// <summary>lr·γ^⌊epoch / every⌋ (PyTorch StepLR).</summary>
public sealed record StepSchedule(int Every, double Gamma) : LrSchedule
{
    public override double At(double baseLr, ScheduleClock clock) => baseLr * Math.Pow(Gamma, clock.Epoch / Every);

    public override string Describe() => $"step:{Every}:{Gamma}";
}

/// <summary>lr·γ^epoch (PyTorch ExponentialLR).</summary>
public sealed record ExponentialSchedule(double Gamma) : LrSchedule
{
    public override double At(double baseLr, ScheduleClock clock) => baseLr * Math.Pow(Gamma, clock.Epoch);

    public override string Describe() => $"exp:{Gamma}";
}

/// <summary>lr / (1 + decay·epoch) (Keras' time-based decay, per epoch).</summary>
public sealed record InverseTimeSchedule(double Decay) : LrSchedule
{
    public override double At(double baseLr, ScheduleClock clock) => baseLr / (1 + Decay * clock.Epoch);

    public override string Describe() => $"inv:{Decay}";
}

/// <summary>
/// Cosine annealing without restarts over the whole run (Loshchilov &amp; Hutter, SGDR):
/// η_min + (lr − η_min)·(1 + cos(π·t/T))/2 with T the total number of steps; flat at η_min after T.
/// </summary>
public sealed record CosineSchedule(double MinLr = 0) : LrSchedule
{
    public override double At(double baseLr, ScheduleClock clock)
    {
        double t = Math.Min(clock.Step, clock.TotalSteps), T = Math.Max(1, clock.TotalSteps);
        return MinLr + (baseLr - MinLr) * (1 + Math.Cos(Math.PI * t / T)) / 2;
    }

    public override string Describe() => $"cosine:{MinLr}";
}

/// <summary>
/// Cyclical learning rate, triangular policy (Smith 2017): the lr climbs linearly from the base lr to
/// <see cref="MaxLr"/> over <see cref="HalfCycle"/> steps and back down, repeatedly.
/// </summary>
public sealed record TriangularSchedule(double MaxLr, int HalfCycle) : LrSchedule
{
    public override double At(double baseLr, ScheduleClock clock)
    {
        double cycle = Math.Floor(1 + clock.Step / (2.0 * HalfCycle));
        double x = Math.Abs((double)clock.Step / HalfCycle - 2 * cycle + 1);
        return baseLr + (MaxLr - baseLr) * Math.Max(0, 1 - x);
    }

    public override string Describe() => $"cyclic:{MaxLr}:{HalfCycle}";
}

/// <summary>
/// Slanted triangular learning rate (Howard &amp; Ruder 2018, ULMFiT, eq. 3): a short linear rise over
/// the first <see cref="CutFraction"/> of the run to the base lr, then a long linear decay;
/// <see cref="Ratio"/> is how much smaller the lowest lr is than the peak.
/// </summary>
public sealed record SlantedTriangularSchedule(double CutFraction = 0.1, double Ratio = 32) : LrSchedule
{
    public override double At(double baseLr, ScheduleClock clock)
    {
        double cut = Math.Max(1, Math.Floor(clock.TotalSteps * CutFraction));
        double t = clock.Step;
        double p = t < cut ? t / cut : 1 - (t - cut) / (cut * (1 / CutFraction - 1));
        p = Math.Max(0, p);
        return baseLr * (1 + p * (Ratio - 1)) / Ratio;
    }

    public override string Describe() => $"stlr:{CutFraction}:{Ratio}";
}

/// <summary>
/// Linear warm-up in front of any schedule: during the first <see cref="Steps"/> updates the inner
/// schedule's lr is scaled by (step + 1)/Steps, afterwards it is the inner schedule's own.
/// </summary>
public sealed record WarmupSchedule(int Steps, LrSchedule Inner) : LrSchedule
{
    public override double At(double baseLr, ScheduleClock clock)
    {
        double inner = Inner.At(baseLr, clock);
        return clock.Step < Steps ? inner * (clock.Step + 1) / Steps : inner;
    }

    public override string Describe() => $"warmup:{Steps}+{Inner.Describe()}";
}
