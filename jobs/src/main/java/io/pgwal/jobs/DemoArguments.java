package io.pgwal.jobs;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Command-line arguments of the jobs: {@code --follow}, {@code --config file.properties}, and
 * {@code --key value} pairs whose keys are pgwal source options.
 */
record DemoArguments(boolean follow, Map<String, String> options) {

    static DemoArguments parse(String[] args) throws IOException {
        boolean follow = false;
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--follow")) {
                follow = true;
            } else if (a.startsWith("--") && i + 1 < args.length) {
                String key = a.substring(2);
                String value = args[++i];
                if (key.equals("config")) {
                    Properties p = new Properties();
                    try (Reader r = Files.newBufferedReader(Path.of(value))) {
                        p.load(r);
                    }
                    p.stringPropertyNames().forEach(k -> options.put(k, p.getProperty(k)));
                } else {
                    options.put(key, value);
                }
            } else {
                throw new IllegalArgumentException("Unexpected argument '" + a + "'. Usage: [--follow]"
                        + " [--config file.properties] [--<option> <value> ...]");
            }
        }
        return new DemoArguments(follow, options);
    }
}
