package io.pgwal.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ExceptionUtils;

/**
 * Runs jobs under a restart strategy that would restart them for ever (fixed delay, unlimited
 * attempts), to prove that a definite error ends the job once: the job must fail within a bound,
 * through Flink's {@link SuppressRestartsException}, instead of looping.
 */
public final class FailsOnce {

    /** Longer than any job here needs to start and fail; far shorter than a restart loop. */
    public static final Duration BOUND = Duration.ofSeconds(60);

    private FailsOnce() {}

    /** An environment (parallelism 1) that restarts a failed job every 200 ms, without limit. */
    public static StreamExecutionEnvironment restartingForEver() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, Integer.MAX_VALUE);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        return env;
    }

    /**
     * Runs {@code source} into a discarding sink under {@link #restartingForEver()}; see {@link
     * #run(StreamExecutionEnvironment)}.
     */
    public static String run(io.pgwal.source.PgWalSource source) throws Exception {
        StreamExecutionEnvironment env = restartingForEver();
        env.fromSource(source, org.apache.flink.api.common.eventtime.WatermarkStrategy
                        .noWatermarks(), "pgwal")
                .sinkTo(new org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink<>());
        return run(env);
    }

    /**
     * Runs the job built on {@code env} and returns the whole stack trace of its failure, after
     * checking that it ended within {@link #BOUND} and without restarts.
     */
    public static String run(StreamExecutionEnvironment env) throws Exception {
        long started = System.nanoTime();
        JobClient client = env.executeAsync("pgwal fails once");
        try {
            client.getJobExecutionResult().get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            String trace = ExceptionUtils.stringifyException(e);
            assertThat(ExceptionUtils.findThrowable(e, SuppressRestartsException.class))
                    .as("the job failed without restarts: %s", trace).isPresent();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(BOUND);
            return trace;
        } catch (TimeoutException e) {
            client.cancel().get(30, TimeUnit.SECONDS);
            fail("The job still runs after " + BOUND.toSeconds() + " s: it restarts into the same"
                    + " failure instead of ending once");
        }
        return fail("The job finished instead of failing");
    }
}
